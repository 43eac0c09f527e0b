// Private: the engine's bookkeeping over a ladder, without Sofia. Which steps a played role
// sends itself (scripted actions), which its stack sends on its own, which it must receive;
// which wire message satisfied which step; when an action may fire; which step is overdue.
//
// Each step's tracking (and, for an action, its verb and dialog) is derived once here from the
// ladder; the engine dispatches on those, never on method strings.
//
// Matching rule: a message a role sent (received) satisfies the earliest not-yet-satisfied step
// from (to) that role with the same method, or status and the answered request's method, and
// whose dialog is the message's dialog (a dialog label is bound to the Call-ID of the first
// message that satisfies a step of it, per role). Retransmissions (sip::transmission_key on the
// same hop: the same role, the same direction) satisfy nothing.
//
// Threading: a value type used from the engine's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/core.h"
#include "engine/actor.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::engine {

/// What the engine has to do about a step. (Not scenario::StepKind, which says request or
/// response.)
enum class Tracking : std::uint8_t {
  ignored,    ///< no played role sends or receives it: an expectation for the checker only
  action,     ///< a played role sends it through its actor (INVITE, 180, BYE, REFER, NOTIFY ...)
  automatic,  ///< a played role's stack sends it on its own (ACK, 100, 202, 200 to BYE ...)
  expect,     ///< a DUT or external role sends it to a played role
};

struct StepState {
  bool satisfied = false;
  core::TimeNs time = 0;
  std::string call_id;  ///< of the message that satisfied it
  /// Its SDP body, if any: the offer a response to it must answer. Taken from the wire, so it is
  /// known as soon as the step is, not when nua gets round to the matching event.
  std::string sdp;
  bool fired = false;      ///< actions: the actor performed it
  core::TimeNs fired_at = 0;  ///< actions: when (loop clock), 0 if not given
  std::string not_ready;  ///< actions: why the last attempt could not perform it yet
};

class Plan {
 public:
  Plan(const scenario::Scenario& scenario, std::set<std::string, std::less<>> played);

  Tracking tracking(std::size_t step) const { return tracking_[step]; }
  /// Actions only: the verb, and the dialog label the actor acts in (a CANCEL without one
  /// takes its INVITE's).
  ActionKind verb(std::size_t step) const { return verbs_[step]; }
  const std::string& dialog(std::size_t step) const { return action_dialogs_[step]; }
  const StepState& state(std::size_t step) const { return states_[step]; }
  StepState& state(std::size_t step) { return states_[step]; }
  std::size_t size() const { return tracking_.size(); }

  /// Ring time (issue 11): a final response to an INVITE that a played role sends after its own
  /// 1xx to that INVITE is armed no earlier than the 1xx plus the ring time, as a person lets a
  /// phone ring before answering. Without it, 180 and 200 leave within microseconds and a
  /// multi-worker proxy may relay the 200 first and then drop the late 180 (RFC 3261 16.7),
  /// a race no deployment sees. `by_role`: the testbed roles' `ring:`; `fallback` for the rest.
  /// A step's own `ring:` overrides both.
  /// Pause, the same cause: a request a played role sends in a dialog right after its own
  /// previous message there (a BYE right after the ACK, a BYE right after the 200 to a NOTIFY)
  /// can be overtaken by it through a multi-worker proxy, so the peer sees them swapped and
  /// answers in an order the ladder rightly forbids. The request waits `pause` after that
  /// message was on the wire, as a person does not hang up within microseconds.
  void set_ring(const std::map<std::string, core::TimeNs, std::less<>>& by_role,
                core::TimeNs fallback, core::TimeNs pause = 0);
  /// The step a request waits `pause` after, if any.
  std::optional<std::size_t> pauses_after(std::size_t step) const { return pause_after_[step]; }
  /// The 1xx step a final response waits on ring time after, and how long (0: no wait).
  std::optional<std::size_t> rings_after(std::size_t step) const { return ring_after_[step]; }
  core::TimeNs ring_time(std::size_t step) const { return ring_[step]; }

  /// The flow starts (registrations done): steps without prerequisites are armed from `t`.
  void start(core::TimeNs t) { start_ = t; }
  bool started() const { return start_.has_value(); }
  std::optional<core::TimeNs> start_time() const { return start_; }

  /// A message `role` sent or received. Returns the step it satisfied, if any.
  std::optional<std::size_t> observe(std::string_view role, bool sent, const sip::Message& m,
                                     core::TimeNs t);

  /// When every prerequisite of `step` was seen: the latest of their times (or the start), and
  /// not before its ring time, pause or glare wait. Actions of different roles that name the
  /// same `after:` step are armed together, at the latest of their times, so that they cross
  /// on the wire (re-INVITE glare, RFC 3261 14.2) instead of one reaching the other's UA first.
  std::optional<core::TimeNs> armed_at(std::size_t step) const;
  /// Glare retry (RFC 3261 14.1): an INVITE a played role sends after a 491 to its own INVITE in
  /// the same dialog waits, from that 491 on the wire, a time within the RFC's range: the
  /// Call-ID's owner (the dialog's first INVITE was its) 2.1 s (2.1-4 s), the other 500 ms
  /// (0-2 s). The step the wait counts from, if any, and the wait.
  std::optional<std::size_t> glare_retry_after(std::size_t step) const { return glare_after_[step]; }
  core::TimeNs glare_wait(std::size_t step) const { return glare_wait_[step]; }
  static constexpr core::TimeNs kGlareOwnerWait = 2'100'000'000;
  static constexpr core::TimeNs kGlareOtherWait = 500'000'000;
  /// Actions that may fire at `now`, in ladder order: armed by `now`, not fired, and every
  /// earlier non-optional action of the same role fired. A 491 to an INVITE that crosses the
  /// role's own (glare) is an action its stack may already have sent by itself (RFC 3261 14.2,
  /// while its own INVITE is open): once seen on the wire it counts as fired.
  std::vector<std::size_t> due(core::TimeNs now) const;
  void mark_fired(std::size_t step, core::TimeNs now = 0);

  /// Every non-optional tracked step satisfied.
  bool complete() const;
  /// The earliest non-optional tracked step that is armed and not satisfied past its timeout.
  std::optional<std::size_t> overdue(core::TimeNs now,
                                     const std::function<core::TimeNs(std::size_t)>& timeout) const;
  /// The earliest time after which due() or overdue() may say something new with no message
  /// seen meanwhile: an action's arming (ring time, pause, glare wait; an action already armed
  /// but not fired gives its armed time, at or before `now`), a tracked step's deadline (armed
  /// plus `timeout`). Nothing: only a message can move the plan on.
  std::optional<core::TimeNs> next_wake(
      const std::function<core::TimeNs(std::size_t)>& timeout) const;
  /// The earliest non-optional tracked step not satisfied (what the run waits for).
  std::optional<std::size_t> waiting_for() const;

  /// Values the ladder saves (`headers: {X: {save: var}}`) from the messages that satisfied
  /// tracked steps, as the played roles saw them: what a later step sends may depend on them
  /// (a 302's Contact to call, a Replaces built from another dialog's Call-ID and tags).
  const std::map<std::string, std::string, std::less<>>& saved() const { return saved_; }

  /// The Call-ID bound to a dialog label at a role.
  std::optional<std::string> call_id(std::string_view role, std::string_view dialog) const;
  /// The prerequisites the engine waits for: tracked, non-optional unless `step` is optional
  /// itself (untracked ones replaced by their own prerequisites).
  const std::vector<std::size_t>& prerequisites(std::size_t step) const { return prereqs_[step]; }

 private:
  bool candidate(std::size_t i, std::string_view role, bool sent, const sip::Summary& s) const;
  std::optional<core::TimeNs> armed_alone(std::size_t step) const;
  /// A non-optional tracked step not satisfied yet, once armed: its armed time plus `timeout`.
  std::optional<core::TimeNs> deadline(std::size_t step,
                                       const std::function<core::TimeNs(std::size_t)>& timeout) const;
  const scenario::Scenario* scenario_;
  std::set<std::string, std::less<>> played_;
  std::vector<Tracking> tracking_;
  std::vector<ActionKind> verbs_;
  std::vector<std::string> action_dialogs_;
  std::vector<StepState> states_;
  std::vector<std::vector<std::size_t>> prereqs_;
  std::vector<std::optional<std::size_t>> ring_after_;  ///< see set_ring
  std::vector<core::TimeNs> ring_;
  std::vector<std::optional<std::size_t>> pause_after_;  ///< see set_ring
  core::TimeNs pause_ = 0;
  std::vector<std::optional<std::size_t>> glare_after_;  ///< see glare_retry_after
  std::vector<core::TimeNs> glare_wait_;
  std::vector<std::vector<std::size_t>> together_;  ///< same `after:`, other roles: see armed_at
  /// Actions the role's stack may have sent by itself (a glare 491): not fired once seen.
  std::vector<bool> stack_may_send_;
  std::map<std::string, std::string, std::less<>> saved_;
  void save_values(std::size_t step, const sip::Message& m);
  std::optional<core::TimeNs> start_;
  std::map<std::pair<std::string, std::string>, std::string>
      dialogs_;                      ///< (role, label) -> Call-ID
  /// Retransmission detection: (role, sent, sip::transmission_key).
  std::set<std::tuple<std::string, bool, std::uint64_t>, std::less<>> seen_keys_;
};

/// The verb of an action step (a step a played role sends itself), from the ladder alone.
ActionKind verb_of(const scenario::Scenario& scenario, std::size_t step);

/// Whether a played role's stack sends this step by itself (ACK, PRACK, 100, responses to
/// anything but INVITE, 487 to a cancelled INVITE).
bool sent_by_stack(const scenario::Scenario& scenario, const scenario::Step& step);

}  // namespace ladder::engine
