// ladder::engine load mode: many instances of one ladder at a paced rate (issue 13).
//
// K engines, each on its own thread with its own su_root (the one-loop rule holds per engine),
// one nua per played role per engine (own ephemeral ports on the role's testbed address), each
// starting its share of the calls at the paced rate. Every call instance has its own Director
// and Plan (the same firing rule as play()) and its own Call-IDs, which carry the call number,
// so a request arriving on a role's nua finds its instance. Nothing is shared between engines
// but atomic counters; errors are merged after the threads are joined.
//
// Limits of this first version (stated to the caller in LoadResult::notes):
// - Only roles the harness plays: a testbed that drives a handset is refused.
// - Roles registered to the proxy (the testbed's `registers`): a registrar forks a call to
//   every contact of an AoR, so K engines registering "bob" would each get every call for bob.
//   Such a testbed runs in one engine unless LoadOptions::engines asks for more; then each
//   engine registers under users of its own (engine_users(): "bob", "bob-2", ...), and the
//   check binds ${ROLE.user} per call to the users of the engine that made it (call_engine()).
//   The registrar must accept those users (a PBX with provisioned accounts may not).
// - A proxy keeps Call-IDs, so the callee side finds its instance by the caller's Call-ID. A
//   B2BUA DUT that makes new Call-IDs on its outgoing leg would need the instance found by
//   another key it keeps end to end (the From user, a header it copies, the Request-URI).
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "engine/engine.h"
#include "scenario/scenario.h"

namespace ladder::engine {

/// Per engine, the played roles whose user differs from the testbed's ("B" -> "bob-2"); empty
/// when every engine uses the testbed's users.
using EngineUsers = std::vector<std::map<std::string, std::string, std::less<>>>;

/// Counters of the engines' view, all engines together.
struct LoadStats {
  std::uint64_t started = 0, completed = 0, failed = 0, in_progress = 0;  ///< engine's view
  double elapsed_s = 0;  ///< since the first call was due
};

struct LoadOptions {
  std::uint64_t calls = 0;        ///< stop starting new calls after this many (0: no count limit)
  double rate = 10;               ///< calls started per second (at the start)
  std::optional<double> rate_end;  ///< ramp linearly from `rate` to this over `duration`
  std::chrono::milliseconds duration{0};  ///< stop starting new calls after this (0: no limit)
  std::uint64_t concurrency = 0;  ///< most calls in progress at once, all engines (0: no limit)
  /// Engine threads (0: one per core, but one for a testbed that registers its roles; asked
  /// for explicitly, a registering testbed runs on that many, each under users of its own).
  unsigned engines = 0;
  EngineOptions engine;           ///< step timeout, ring, pause, linger, sofia_log ...
  /// How long a finished transaction is kept by the stack (64*T1; RFC 3261 says 32 s). See
  /// load.cpp for what a shorter time gives up. 0: the stack's default.
  std::chrono::milliseconds transaction_linger{4000};
  /// T4 (RFC 3261: 5 s, the longest a message stays in the network): how long a completed
  /// transaction absorbs retransmitted responses and ACKs (Timers K and I). See load.cpp.
  std::chrono::milliseconds t4{1000};
  /// UDP socket buffers of every nua (4 MiB: without them the kernel drops datagrams at a few
  /// thousand calls per second; the kernel's rmem_max/wmem_max cap them).
  unsigned udp_buffer = 4u << 20;
  /// Called once, on the calling thread, when every engine's roles are bound and before any
  /// message is sent: the union role map (a role has one address per engine) and each
  /// engine's own users (engine_users()).
  std::function<void(const scenario::RoleMap&, const EngineUsers&)> on_bound;
  /// Called on the calling thread about every 250 ms while the load runs, and once at the end.
  std::function<void(const LoadStats&)> on_progress;
  std::function<bool()> stop_requested;  ///< e.g. Ctrl-C; polled on the calling thread
};

struct LoadResult {
  LoadStats stats;
  scenario::RoleMap roles;          ///< as given to on_bound
  std::vector<std::string> errors;  ///< the first few engine errors, "call 17: B never received F3 ..."
  core::TimeNs first_start = 0, last_start = 0;  ///< wall clock of the first and last call started
  unsigned engines = 0;             ///< engine threads used
  EngineUsers users;                ///< as given to on_bound
  std::vector<std::string> notes;   ///< limits applied ("one engine: roles register")
};

/// A random token for a run's Call-IDs (a late message of an earlier run is not taken).
std::string run_token();

/// The users each of `engines` engines plays the testbed's registering roles under: engine 0
/// the testbed's own, engine i (from 0) "<user>-<i+1>" ("bob-2"), so that a registrar routes
/// each call to the engine that made it. Empty for one engine or no registering role.
EngineUsers engine_users(const scenario::Scenario& scenario, const scenario::Testbed& testbed,
                         unsigned engines);

/// The users engine `engine` (from 0) plays the registering roles under, as engine_users()
/// gives them for one engine: empty for engine 0.
std::map<std::string, std::string, std::less<>> engine_users_of(const scenario::Scenario& scenario,
                                                                const scenario::Testbed& testbed,
                                                                unsigned engine);

/// Most engines of a load run (load_usage_error() refuses more).
inline constexpr unsigned kMostEngines = 256;

/// For checker::EachOptions::users_of on a load run's capture: the users of the engine a
/// Call-ID names (call_engine()), or null for engine 0, another Call-ID, or an engine number
/// past kMostEngines. Empty when the testbed registers none of the played roles. Safe to call
/// from several threads.
std::function<const std::map<std::string, std::string, std::less<>>*(std::string_view call_id)>
users_by_call(const scenario::Scenario& scenario, const scenario::Testbed& testbed);

/// The engine (from 0) that made a load run's Call-ID
/// ("5f3a9c0d11e2a4b7-17-1.2@ladder" gives 1); nothing for any other Call-ID.
std::optional<unsigned> call_engine(std::string_view call_id);

/// The part of a Call-ID made by a load engine that names its run and call
/// ("5f3a9c0d11e2a4b7-17-" of "5f3a9c0d11e2a4b7-17-0.2@ladder": the run's token, the call
/// number; then the engine and the engine's count of Call-IDs):
/// every dialog of one call of a multi-dialog ladder (a transfer's REFER and the transferee's new
/// INVITE) has the same, so a check of the capture can take them as one call. Any other
/// Call-ID: the whole of it.
std::string_view call_flow(std::string_view call_id);

/// Plays `scenario` as load on `testbed`. The unexpected value is one sentence: a usage error
/// (load_usage_error) or an environment error (a bind failure, a registration refused).
std::expected<LoadResult, std::string> play_load(const scenario::Scenario& scenario,
                                                 const scenario::Testbed& testbed,
                                                 const LoadOptions& options);

/// What makes these options or this testbed unplayable as load (bad input or usage, per
/// DESIGN.md: a driven handset, a rate of 0, a ramp without a duration), one sentence; nothing
/// when fine. play_load() checks it first and returns it as its error; a caller that must tell
/// usage errors from environment errors asks here first.
std::optional<std::string> load_usage_error(const scenario::Scenario& scenario,
                                            const scenario::Testbed& testbed,
                                            const LoadOptions& options);

}  // namespace ladder::engine
