// Private: one engine of a load run (load.h): its own thread, its own su_root, one nua per played
// role, and the call instances it started, each with its own Director and Targets. The calling
// thread (play_load) sees it only through phase() and the atomics in LoadShared while it runs,
// and reads its results after joining its thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/core.h"
#include "engine/load.h"

namespace ladder::engine {

class Agent;
class DumpTail;
class SuLoop;
class TempDir;

/// The first this many call errors are kept (by call number).
inline constexpr std::size_t kKeptErrors = 20;

/// What the engines and the calling thread share: atomics only (the token is written before
/// the threads start).
struct LoadShared {
  std::string token;                         ///< this run's part of every Call-ID
  std::atomic<std::uint64_t> next_call{1};   ///< call numbers, from 1, over all engines
  std::atomic<std::uint64_t> started{0}, completed{0}, failed{0}, in_progress{0};
  std::atomic<bool> go_register{false};      ///< every engine is bound (on_bound was called)
  std::atomic<core::TimeNs> t0{0};           ///< when call 0 of the schedule is due; 0: not yet
  std::atomic<bool> stop{false};             ///< start no more calls; end those in progress
  std::atomic<bool> abort{false};            ///< leave now (teardown still runs)
  std::atomic<core::TimeNs> first_start{std::numeric_limits<core::TimeNs>::max()};
  std::atomic<core::TimeNs> last_start{0};
  /// Held while an engine makes its loop and user agents: Sofia's initialisation (su_init)
  /// touches process-wide state.
  std::mutex sofia;
};

/// The call number in a Call-ID made by an engine of the run with `token`
/// ("5f3a9c0d11e2a4b7-17-0.2@ladder" gives 17); nothing for any other Call-ID.
std::optional<std::uint64_t> call_number(std::string_view call_id, std::string_view token);

class LoadEngine {
 public:
  enum class Phase : std::uint8_t { starting, bound, registered, running, done, failed };

  /// `testbed` is the engine's own copy: its registering roles may have users of their own
  /// (engine_users()).
  LoadEngine(const scenario::Scenario& scenario, scenario::Testbed testbed,
             const LoadOptions& options, LoadShared& shared, unsigned index, unsigned count);
  ~LoadEngine();
  LoadEngine(const LoadEngine&) = delete;
  LoadEngine& operator=(const LoadEngine&) = delete;

  /// The engine's thread: set-up, bind, wait for go_register, register, wait for t0, the
  /// load, teardown. Returns when done or failed.
  void run();
  Phase phase() const { return phase_.load(); }
  /// Once phase() is failed: why, one sentence.
  const std::string& setup_error() const { return setup_error_; }
  /// From phase() bound on: each played role's bound address.
  const std::vector<std::pair<std::string, core::Endpoint>>& bound_roles() const {
    return bound_roles_;
  }
  /// After the thread ended: the first errors of failed calls, by call number.
  std::vector<std::pair<std::uint64_t, std::string>> call_errors() { return std::move(errors_); }
  std::vector<std::string> notes() { return std::move(notes_); }

 private:
  struct Role;
  struct Instance;
  bool setup();
  bool wait_bound();
  bool register_roles();
  void load();
  /// Starts the calls due at `now`; false once this engine starts no more.
  bool start_due(core::TimeNs now);
  /// Seconds after t0 at which this engine's call `k` is due; nothing past the schedule's end.
  std::optional<double> due_seconds(std::uint64_t k) const;
  void start_call(std::uint64_t n, core::TimeNs now);
  void read_wire(core::TimeNs now);
  void route_errors();
  /// Fires, checks deadlines and finishes the instances touched this turn or due to wake.
  void advance(core::TimeNs now);
  /// Fires, checks; true when the instance is over.
  bool advance_one(Instance& x, core::TimeNs now);
  void count(Instance& x, bool completed, const std::string& error);
  void finish(std::uint64_t n);
  void stop_all(const std::string& why);
  void teardown();
  void turn(int ms);
  void fail_setup(std::string message);
  bool aborted() const { return shared_.abort.load(); }

  const scenario::Scenario& sc_;
  const scenario::Testbed tb_;
  const LoadOptions& opt_;
  LoadShared& shared_;
  unsigned index_, count_;
  std::atomic<Phase> phase_{Phase::starting};
  std::string setup_error_;
  std::vector<std::pair<std::string, core::Endpoint>> bound_roles_;
  std::vector<std::pair<std::uint64_t, std::string>> errors_;
  std::vector<std::string> notes_;

  std::unique_ptr<TempDir> dir_;
  // Destroyed in reverse: instances and agents go before the loop they were made on.
  std::unique_ptr<SuLoop> loop_;
  std::vector<Role> roles_;
  std::optional<std::string> proxy_;
  struct Shared;  ///< the Director options, the played roles, the Targets every instance copies
  std::unique_ptr<Shared> common_;
  std::unordered_map<std::uint64_t, std::unique_ptr<Instance>> instances_;
  std::vector<std::uint64_t> touched_;
  /// (wake-up time, call number), earliest first; see Instance::wake.
  std::priority_queue<std::pair<core::TimeNs, std::uint64_t>,
                      std::vector<std::pair<core::TimeNs, std::uint64_t>>, std::greater<>>
      wakes_;
  std::uint64_t started_here_ = 0;  ///< this engine's calls started (k of due_seconds)
  std::uint64_t call_ids_ = 0;      ///< Call-IDs made here
  bool starting_ = true;
};

}  // namespace ladder::engine
