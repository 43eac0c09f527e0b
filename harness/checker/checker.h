// ladder::checker: holds observed SIP messages against a ladder and says, step by step, what
// held and what did not. Pure: no Sofia event loop, no libpcap; it works on any capture.
//
// Input: the messages in capture order (sip::WireMessage), a Scenario, and a RoleMap saying which
// addresses are which role (or none: roles are then inferred where the capture is unambiguous).
// Output: a Verdict with one StepResult per ladder step, one MessageResult per observed message
// between the roles, and every failure named by step, header, expected, seen, frame and time.
//
// What is checked (DESIGN.md, issue #3): direction, method/status, the transaction a response
// answers (Via branch + CSeq number + method), causal order (or the listed order with
// strict_order), proxy invariants on `forwards:` steps, dialog invariants, header and body
// expectations with saved variables, timing (`within:`), retransmissions (folded into their step,
// counted, intervals checked against T1 doubling), and RFC 3261 rules on every message.
//
// Threading: pure functions over values; no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checker/rules.h"
#include "core/core.h"
#include "core/driver_event.h"
#include "scenario/scenario.h"
#include "sip/sip.h"

namespace ladder::checker {

struct CheckOptions {
  /// Which addresses are which role. Roles missing here are inferred from the capture.
  scenario::RoleMap roles;
  /// Role attributes for ${ROLE.attr} (user, domain ...), e.g. from a testbed.
  scenario::Bindings bindings;
  /// The DUT record-routes (testbed); overrides the scenario's policy when set.
  std::optional<bool> record_route;
  /// RFC 3261 rule findings fail the step (true) or are only reported as warnings (false).
  bool rules_fail = true;
  /// Transactions of these methods that no step describes are expected noise, not extra
  /// messages: e.g. REGISTER when the testbed registers its users before the flow.
  std::vector<std::string> tolerated_methods;
};

enum class StepStatus : std::uint8_t { passed, failed, missing, skipped };
std::string_view to_string(StepStatus s);

/// One thing that did not hold. Every field that applies is filled, so reports can say
/// "F22: Max-Forwards: expected 69, seen 70 (frame 12 at 0.034512)".
struct Failure {
  std::string step;      ///< step id, or "" for a message outside the ladder
  core::FailureKind kind = core::FailureKind::missing;
  std::string header;    ///< header concerned, if any
  std::string expected;
  std::string seen;
  std::string message;   ///< the whole sentence
  std::uint64_t frame = 0;
  core::TimeNs time = 0;
  bool warning = false;  ///< reported but does not fail the verdict
  /// A warning only because the ladder's `policy.waive` names its kind (then true).
  bool waived = false;
  /// Empty for a root failure. Otherwise the id of the step whose (earlier) root failure this
  /// one follows from: a step whose trigger never came, a dialog already broken, a forward of a
  /// message that was already wrong (issue 12). Reports lead with the roots and group these.
  std::string caused_by;
  /// With caused_by: index into Verdict::failures of that root failure.
  std::optional<std::size_t> cause;
  /// An expectation that could not be evaluated: the placeholder without a value ("${B.user}"),
  /// and, for an `equals` on a value seen in `seen`, the template as written, from which the
  /// value may be read back (usecase's role attribute inference).
  std::string unbound;
  std::string unbound_equals;
};

/// A hard failure that no earlier failure explains: what reports lead with.
inline bool is_root(const Failure& f) { return !f.warning && f.caused_by.empty(); }

struct Retransmission {
  std::uint64_t frame = 0;
  core::TimeNs time = 0;
};

struct StepResult {
  std::size_t step = 0;  ///< index into Scenario::steps
  std::string id;
  StepStatus status = StepStatus::missing;
  std::optional<std::size_t> message;  ///< index into the observed messages
  std::uint64_t frame = 0;
  core::TimeNs time = 0;
  std::vector<Retransmission> retransmissions;
  std::vector<Failure> failures;
  /// Set when every hard failure of this step follows from another step's root failure: the
  /// id of that step (e.g. a MISS whose trigger never came).
  std::string caused_by;
};

struct MessageResult {
  std::size_t index = 0;  ///< into the observed messages
  std::uint64_t frame = 0;
  std::string src_role, dst_role;  ///< "" when the endpoint is no role
  std::optional<std::size_t> step;  ///< the step it matched
  std::optional<std::size_t> retransmission_of;  ///< message index of the first copy
  bool tolerated = false;  ///< 100 Trying or other expected noise not in the ladder
  std::vector<RuleFinding> rules;
};

struct Verdict {
  std::string scenario;
  bool passed = false;
  bool checked_anything = false;  ///< false: no message between the roles at all
  std::vector<StepResult> steps;
  std::vector<MessageResult> messages;
  std::vector<Failure> failures;  ///< every failure and warning, steps first, in step order
  std::vector<std::string> notes;  ///< how roles were inferred, saved variables ...
  scenario::RoleMap roles;         ///< the map used (given + inferred)
  core::TimeNs origin = 0;         ///< time of the first observed message
  /// What driven handsets reported during a run (`ladder run` fills it; a check has none), in
  /// time order. Reports show them beside the messages.
  std::vector<core::DriverEvent> driver_events;
};

/// Adds ${ROLE.host}, ${ROLE.port}, ${ROLE.address} of every role in `roles` to `bindings`,
/// keeping values already there.
void add_role_bindings(const scenario::RoleMap& roles, scenario::Bindings& bindings);

/// For failures found outside check() (the engine's "A never received F5 ... within 1s"): marks
/// `f` as following from the root failure of step `step` (of the root that step follows from,
/// when it only failed because of another). False, and `f` unchanged, when that step has no
/// root failure in `v`.
bool follows_from(const Verdict& v, std::size_t step, Failure& f);

/// Checks one instance of a flow.
Verdict check(const scenario::Scenario& scenario, const std::vector<sip::WireMessage>& messages,
              const CheckOptions& options);

}  // namespace ladder::checker
