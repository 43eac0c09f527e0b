// Private: the engine's firing logic, without Sofia and without a clock of its own. The
// Director owns the Plan; it is told what went over the wire (observe) and what time it is, and
// decides which actions are due (causal triggers, `after:`, the role's earlier actions fired),
// performs them through the role's Actor, and when the run fails: a step past its deadline, a
// step an actor cannot perform, an actor's fatal error, the whole-scenario deadline.
//
// The run (engine.cpp) drives it, once per loop turn:
//   fire_due(now); <loop step: observe() every message, take_actor_errors()>; fire_due(now);
//   if (over(now)) stop;
//
// Threading: the engine's thread. Actors are not owned and must outlive the Director's use.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "engine/actor.h"
#include "engine/engine.h"
#include "engine/plan.h"
#include "engine/targets.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::engine {

struct DirectorOptions {
  /// Per step when neither the step, the ladder's policy nor the testbed says.
  core::TimeNs step_timeout = 5'000'000'000;
  /// The testbed's timeouts.step (below the step's own and the policy's).
  std::optional<core::TimeNs> testbed_step_timeout;
  /// The testbed's timeouts.scenario; else (steps + 2) x the first step's timeout.
  std::optional<core::TimeNs> run_timeout;
  /// How long the run goes on after the last required step (retransmissions, optional steps).
  core::TimeNs linger = 500'000'000;
  /// Ring time of played roles (Plan::set_ring): per role from the testbed, else `ring`.
  std::map<std::string, core::TimeNs, std::less<>> ring_by_role;
  core::TimeNs ring = 0;
  /// Plan::set_ring: a played role's pause before a request in a dialog after its own message.
  core::TimeNs pause = 0;
};

/// Owns the Plan and the run's verdict so far (errors, stuck step, played steps); borrows the
/// actors and the Targets. Engine thread only.
class Director {
 public:
  /// `played`: the roles that act (their steps are actions or sent by their stack).
  /// `scenario` must outlive the Director.
  Director(const scenario::Scenario& scenario, std::set<std::string, std::less<>> played,
           DirectorOptions options);

  /// The actor that performs `role`'s actions (not owned).
  void cast(const std::string& role, Actor& actor) { actors_[role] = &actor; }
  /// The driver that makes the handset DUT `role` act (not owned). A phone's own stack answers
  /// in its own time: an action of a driven role also waits until what the role's stack sends
  /// before it in the ladder (a 200 to a NOTIFY, an ACK, its 180) is on the wire, where a Sofia
  /// agent's stack has always sent it already.
  void drive(const std::string& role, Actor& actor) {
    actors_[role] = &actor;
    driven_.insert(role);
  }

  /// The flow starts (registrations done): steps without prerequisites are armed from `now`.
  /// `targets` (URIs, Refer-To, `send:` content; not owned) must outlive the Director; it is
  /// given the values the run saves from the wire (Plan::saved).
  void start(core::TimeNs now, Targets& targets);
  bool started() const { return plan_.started(); }

  /// A message `role` sent or received at `time`. Before start(), nothing is matched.
  /// Returns the step it satisfied, if any (also kept in played()).
  std::optional<Played> observe(std::string_view role, bool sent, const sip::Message& message,
                                core::TimeNs time);

  /// Performs every action due at `now` through its role's actor (a step an actor cannot
  /// perform fails the run at once). Nothing happens before start() or after the run stopped.
  void fire_due(core::TimeNs now);
  /// Takes every actor's errors: each is kept; a fatal one stops the run.
  void take_actor_errors();
  /// Whether the run is over at `now`: stopped, or lingered long enough after completing.
  /// Fails the run (and says so) when a step is past its deadline or the scenario past its.
  bool over(core::TimeNs now);

  /// The earliest time at which fire_due() or over() may act with no message or actor error
  /// meanwhile (an arming, a deadline, the end of the linger); the load engine advances a call
  /// then instead of visiting every call on a timer. At or before `now`: act again soon (an
  /// action armed but not performed yet).
  std::optional<core::TimeNs> next_wake(core::TimeNs now) const;

  /// Stops the run with `message`, naming `step` as the one it was stuck at (the first one
  /// given is kept).
  void fail(std::string message, std::optional<std::size_t> step = std::nullopt);
  /// An error that does not stop the run (it still makes the run incomplete).
  void note(std::string message) { errors_.push_back(std::move(message)); }
  bool stopped() const { return stopped_; }

  /// How long `step` may take, from when it is armed (step, policy, testbed, default).
  core::TimeNs timeout_of(std::size_t step) const;

  const Plan& plan() const { return plan_; }
  const std::vector<std::string>& errors() const { return errors_; }
  std::optional<std::size_t> stuck_step() const { return stuck_step_; }
  /// Index into errors(): the line that only says the stuck step never reached its played
  /// receiver (a check of the wire finds that step missing and says it better).
  std::optional<std::size_t> unseen_error() const { return unseen_error_; }
  const std::vector<Played>& played() const { return played_; }

 private:
  Action make_action(std::size_t step) const;
  /// A dial that a REFER to the role came before (Dial::by_refer).
  bool dials_by_refer(std::size_t step) const;
  /// The role's INVITE right after a 401/407 to its previous INVITE: the retry (Dial).
  bool retries_after_challenge(std::size_t step) const;
  /// A driven role's own stack still owes a step listed before `step` (armed, not yet seen).
  bool stack_behind(std::size_t step) const;
  /// "0.10 s" after the flow started.
  std::string seconds_since_start(core::TimeNs t) const;
  void fail_overdue(std::size_t step);

  const scenario::Scenario& scenario_;
  Plan plan_;
  DirectorOptions options_;
  const Targets* targets_ = nullptr;
  std::map<std::string, Actor*, std::less<>> actors_;
  std::set<std::string, std::less<>> driven_;
  std::optional<core::TimeNs> run_deadline_;
  core::TimeNs run_timeout_ = 0;
  std::optional<core::TimeNs> linger_until_;
  bool stopped_ = false;
  std::vector<std::string> errors_;
  std::optional<std::size_t> stuck_step_;
  std::optional<std::size_t> unseen_error_;
  std::vector<Played> played_;
};

}  // namespace ladder::engine
