// The ladder model: roles, dialogs, steps and the policy of one scenario file.
//
// One model for two consumers: the checker holds a capture against a Scenario; the engine plays
// the roles it is told to play from the same Scenario. Both read the derived fields (Step::answers
// when inferred, Step::preceded_by, Step::trigger, Within::of) instead of re-deriving the order
// rules of DESIGN.md.
//
// Ownership and threading: plain values, built by the loader (load.h) and then read-only; a
// Scenario may be read from several threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/duration.h"
#include "scenario/expectations.h"
#include "scenario/step_set.h"
#include "scenario/template.h"

namespace ladder::scenario {

enum class StepKind : std::uint8_t { request, response };

/// One message of the ladder. Step references are indices into Scenario::steps.
/// `action:` on a step: what a driven handset is made to do for it, where the verb inferred
/// from the message is not enough. Only key presses so far (`action: {press: [F_TRANSFER,
/// "1", POUND]}`); roles the harness plays ignore it.
/// `action:` on a step a driven handset sends: what inference cannot know. `verb` names the verb
/// (one of action_verbs(); empty: inferred from the step), `press` the keys a driver presses in
/// order (empty: none). A loaded step's action has at least one of them.
struct StepAction {
  std::string verb;                ///< "answer", "hold", "hang_up" ...
  std::vector<std::string> press;  ///< key names, in order
  SourcePos pos;
};
/// The verbs `action:` may name, as written in a ladder: dial, reinvite, hold, resume, ring,
/// answer, reject, hang_up, cancel, transfer, digits, request.
const std::vector<std::string_view>& action_verbs();

struct Step {
  std::string id;  ///< "F17"
  SourcePos pos;
  std::string note;      ///< free text for reports: "User B wants to release the call"
  std::string from, to;  ///< role ids
  StepKind kind = StepKind::request;
  std::string method;                         ///< requests: "INVITE"
  std::optional<UriExpectation> request_uri;  ///< requests: `uri:`
  int status = 0;                             ///< responses: 180
  std::optional<std::string> reason;          ///< responses: expected reason phrase, if given

  /// Responses: the request step this answers (written as `answers:` or inferred; see
  /// answers_inferred). Always set on a valid scenario's responses.
  std::optional<std::size_t> answers;
  bool answers_inferred = false;
  std::optional<std::string> dialog;    ///< dialog label
  std::optional<std::size_t> forwards;  ///< the step this proxy/B2BUA message forwards
  bool optional = false;                ///< may be missing from the capture
  std::optional<std::size_t> after;     ///< explicit trigger for the engine
  std::optional<Within> within;
  std::optional<Duration>
      timeout;  ///< how long to wait for this step; Policy::step_timeout if unset
  /// Final responses to an INVITE a played role sends after its own 1xx: how long it rings
  /// first (the testbed role's `ring:`, else the engine's default, when unset).
  std::optional<Duration> ring;
  std::vector<HeaderExpectation> headers;
  std::optional<BodyExpectation> body;
  std::optional<SendSpec> send;
  std::optional<StepAction> action;
  std::optional<CountRange> retransmissions;

  /// Derived, DESIGN.md's causal order: the steps this one must follow (sorted, unique): the step
  /// it forwards, the request it answers, `after`, and every earlier step its sender received.
  /// Steps sharing an any_order group with this one are left out. Optional steps are included:
  /// a missing optional step constrains nothing. Iterates like a sorted vector; stored compactly
  /// (see step_set.h) since "every earlier step received" grows with the ladder.
  StepSet preceded_by;
  /// Derived: the latest non-optional step of preceded_by (or `after` when given): the event that
  /// lets the sender act. Empty for a flow's first action.
  std::optional<std::size_t> trigger;

  bool is_request() const { return kind == StepKind::request; }
  /// "INVITE" or "200" (the reason is not included).
  std::string label() const;
  /// "F3 (INVITE P -> B)": how every report and message names a step.
  std::string describe() const;
};

enum class RoleKind : std::uint8_t { ua, proxy, b2bua };
std::string_view to_string(RoleKind k);

struct Role {
  std::string id;  ///< "A", "P"
  RoleKind kind = RoleKind::ua;
  SourcePos pos;
};

enum class DialogState : std::uint8_t {
  established,  ///< existed before the first step (e.g. F17-F28 alone)
  fresh,        ///< written `new`: created by the scenario's steps
};

struct Dialog {
  std::string label;
  DialogState state = DialogState::fresh;
  SourcePos pos;
};

enum class ExtraMessages : std::uint8_t { fail, warn, ignore };
std::string_view to_string(ExtraMessages e);

struct Policy {
  ExtraMessages extra_messages = ExtraMessages::warn;
  bool strict_order = false;  ///< demand the listed order, not just the causal one
  /// Forwards must add Record-Route. Empty: true for proxy roles, false otherwise. A testbed
  /// DUT's own record_route overrides this.
  std::optional<bool> record_route;
  std::optional<Duration> step_timeout;
  /// Failure kinds reported as warnings, for known deviations of a DUT or a capture
  /// (`waive: [dialog, rule]`). Each is one of waivable_kinds().
  std::vector<std::string> waive;
};

/// The checker's failure kinds a policy may waive: missing, order, header, body, forward,
/// dialog, rule, timing, retransmission, extra.
const std::vector<std::string>& waivable_kinds();

struct Scenario {
  std::string name;
  std::string summary;
  std::vector<std::string> tags;
  std::string source;  ///< the file it came from, as given to the loader
  std::vector<Role> roles;
  std::vector<Dialog> dialogs;
  Policy policy;
  /// Groups of step indices whose relative order is free even against causality.
  std::vector<std::vector<std::size_t>> any_order;
  std::vector<Step> steps;  ///< in listed order: one valid interleaving

  const Role* find_role(std::string_view id) const;
  const Dialog* find_dialog(std::string_view label) const;
  std::optional<std::size_t> find_step(std::string_view id) const;
  /// Whether forwards by this role must add Record-Route, per policy and role kind.
  bool expects_record_route(const Role& role) const;
};

}  // namespace ladder::scenario
