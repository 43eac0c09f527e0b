// ladder::engine: plays the harness's roles of a ladder against a device under test with
// Sofia-SIP (nua), one user agent per played role, all on one su_root in the calling thread.
//
// The rule that decides when a played role acts (DESIGN.md's causal rule 3): a step whose sender
// is played fires once every non-optional step it causally follows (Step::preceded_by: what the
// sender received before it, the request it answers, `after:`) has been seen on the wire by the
// role concerned, and once the role's earlier scripted steps have fired. Example, basic call:
// F10 (B -> P BYE) follows F3 (INVITE P -> B) and F9 (ACK P -> B), so B hangs up as soon as it
// has received the ACK.
//
// Inside (private headers): the Director (director.h) owns that rule, the deadlines and the
// Plan, and performs each due step through the role's Actor (actor.h): the Sofia user agent
// (agent.h) for a played role, a handset driver (drivers.h) for a driven DUT. Actors wait for
// their sockets and timers on the engine's one loop (loop.h, su_loop.h).
//
// What the engine "sees" is every SIP message its user agents sent or received, byte-exact, as
// Sofia's transport layer dumps it (TPTAG_DUMP, read back after every loop turn). That covers
// what nua never reports to the application (100 Trying, ACKs, 200 to BYE, retransmissions),
// so every step that touches a played role is tracked, scripted or not.
//
// Threading: play() runs the whole conversation in the calling thread and returns when it is
// over (completed, failed, stopped or timed out). Callbacks in EngineOptions are called from
// that thread. Nothing here is shared between calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <expected>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sip/sip.h"
#include "core/core.h"
#include "core/driver_event.h"
#include "scenario/scenario.h"

namespace ladder::engine {

/// An extra file descriptor the loop serves (the live capture). on_readable is called from the
/// loop thread whenever fd is readable, until play() returns. The caller keeps fd open.
struct Poller {
  int fd = -1;
  std::function<void()> on_readable;
};

/// The default ring time (EngineOptions::ring). Not zero: a 180 and a 200 sent within
/// microseconds race through a multi-worker proxy, which may relay the 200 first and then drop
/// the 180 (RFC 3261 16.7); no phone answers that fast.
inline constexpr std::chrono::milliseconds kDefaultRing{200};
/// The default pause (EngineOptions::pause).
inline constexpr std::chrono::milliseconds kDefaultPause{100};

struct EngineOptions {
  /// Default per step. Step::timeout, then Policy::step_timeout, then the testbed's
  /// timeouts.step override it, in that order of precedence.
  std::chrono::milliseconds step_timeout{5000};
  /// Keep the loop (and pollers) running after the last step, for retransmissions and optional
  /// steps (a final NOTIFY, a hang-up).
  std::chrono::milliseconds linger{500};
  /// How long a played role rings (after its 1xx) before it sends a final answer to an INVITE
  /// (scenarios/README.md, "Ring time"). Unset: the testbed role's `ring:`, else kDefaultRing.
  /// Set (`ladder run --ring`): every role's, the testbed's overridden. A step's own `ring:`
  /// wins over both: it is part of the flow (an intercom call answered at once).
  std::optional<std::chrono::milliseconds> ring;
  /// How long a played role waits after its own message in a dialog before it sends a request
  /// there (a hang-up right after the ACK): the same race as the ring time, between its own
  /// messages (scenarios/README.md, "Ring time").
  std::chrono::milliseconds pause{kDefaultPause};
  /// E.g. a Ctrl-C flag; checked every loop turn. The run then stops cleanly (teardown runs).
  std::function<bool()> stop_requested;
  /// Called once every played role is bound (actual ports known), before the first message is
  /// sent (registrations included): the caller starts the capture here.
  std::function<void(const scenario::RoleMap&)> on_bound;
  std::vector<Poller> pollers;
  /// The wire as someone else sees it (the live capture), polled every loop turn: messages
  /// since the last call. A handset driven by a driver sends its SIP to the DUT proxy, where no
  /// played role sees it; its steps are followed through this. Needed when a testbed drives a
  /// handset (play() says so otherwise).
  std::function<std::vector<sip::WireMessage>()> take_wire;
  /// Secrets lookup (TestbedRole::password_env names the variable). Default: ::getenv.
  std::function<std::optional<std::string>(const std::string& env_name)> getenv;
  /// File for Sofia-SIP's own log lines (a run directory's sofia.log). Empty: they are dropped.
  /// Never the terminal (issue 12).
  std::string sofia_log;
};

/// A step that happened, as the engine saw it.
struct Played {
  std::size_t step = 0;  ///< index into Scenario::steps
  core::TimeNs time = 0;
  bool sent_by_harness = false;  ///< a played role sent it (scripted or by the stack)
};

struct EngineResult {
  /// Every non-optional step that involves a played role was seen in time (sent or received).
  bool completed = false;
  /// Plain sentences: "B never received F3 (INVITE P -> B) within 5s",
  /// "A: REGISTER rejected: 403 Forbidden".
  std::vector<std::string> errors;
  /// The step the engine was waiting for when it gave up.
  std::optional<std::size_t> stuck_step;
  /// Index into errors: the line that only says the stuck step was never received by its
  /// played receiver ("B never received F3 (INVITE P -> B) within 5s"). A check of the
  /// capture finds that step missing itself, so the line follows from that failure.
  std::optional<std::size_t> unseen_error;
  /// The engine's own view: every SIP message a played role sent or received, in order, with
  /// the peer's real endpoint. Bytes are exact (Sofia's transport dump), but TCP source ports of
  /// connections a role opened itself are given as the role's listening port, and times are
  /// taken when Sofia handed the bytes to or got them from the socket. Frame numbers count
  /// messages from 1. Used by `ladder run --no-capture`.
  std::vector<sip::WireMessage> seen;
  std::vector<Played> played;  ///< in the order seen
  /// Every role's address:port: played roles after binding; dut/external from the testbed.
  scenario::RoleMap roles;
  /// ${ROLE.attr} values, actual ports included.
  scenario::Bindings bindings;
  /// Set when a DUT refused what was sent to it before it said anything at all (ICMP port
  /// unreachable on UDP, a refused TCP connection): "P at 127.0.0.1:1 is not listening
  /// (connection refused)". An environment error, not a failed device.
  std::optional<std::string> unreachable;
  /// What driven handsets reported (core/driver_event.h), in the order got.
  std::vector<core::DriverEvent> driver_events;
};

/// Plays `scenario` on `testbed`. Environment errors (a port in use, a bind failure, a role
/// bound to an address this host does not have, nua_create failing) are the unexpected value,
/// one sentence: "A: cannot bind 127.0.0.1:5060: address in use". A DUT that does not answer is
/// not an environment error: it is a completed=false result naming the step.
std::expected<EngineResult, std::string> play(const scenario::Scenario& scenario,
                                              const scenario::Testbed& testbed,
                                              const EngineOptions& options);

}  // namespace ladder::engine
