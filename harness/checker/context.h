// State shared by the checker's passes over one instance. Private to ladder::checker.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "sip/bulk.h"

namespace ladder::checker {

/// How much work check() does beyond what the ladder asserts. A bulk check (`--each`) runs
/// check() once per call, hundreds of thousands of times: it skips the full Sofia parse of
/// messages no step asks about and adds the roles to the bindings once, not per call.
struct Effort {
  /// Ask Sofia's parser about every message (malformed detection beyond the fast scan).
  bool full_parse = true;
  /// CheckOptions::bindings already holds host/port/address of every role in the role map.
  bool bindings_have_roles = false;
};

/// check() with a chosen effort (checker.h's check() is the full effort).
Verdict check(const scenario::Scenario& scenario, const std::vector<sip::WireMessage>& messages,
              const CheckOptions& options, const Effort& effort);

struct Context {
  const scenario::Scenario& scenario;
  const std::vector<sip::WireMessage>& messages;
  const CheckOptions& options;
  const Effort& effort;
  Verdict& verdict;
  bool b2bua = false;  ///< a role is a B2BUA: forwards change Call-ID and tags

  /// step index -> matched message index
  std::vector<std::optional<std::size_t>> matched;
  /// message index -> step index
  std::vector<std::optional<std::size_t>> step_of;
  /// dialog key (label, or label + leg for B2BUAs) -> Call-ID (a view into `messages`)
  std::map<std::string, std::string_view> dialog_call_id;
  /// Messages with a broken start line that a missing step named as standing in its place:
  /// reported there, not again as extra messages. Few: a vector.
  std::vector<std::size_t> stood_in;
  /// step index -> matched only once a Call-ID mismatch was allowed (the near miss of issue 12:
  /// named as that step with that fault, not as "not seen").
  std::vector<bool> near_miss;

  const sip::WireMessage& msg(std::size_t i) const { return messages[i]; }
  const MessageResult& info(std::size_t i) const { return verdict.messages[i]; }
  const scenario::Step& step(std::size_t s) const { return scenario.steps[s]; }
  StepResult& result(std::size_t s) { return verdict.steps[s]; }
  std::string dialog_key(const scenario::Step& s) const;

  /// Records a failure against a step (or none: step == npos), with the frame and time of the
  /// message concerned (npos: none).
  void fail(std::size_t step, std::size_t message, Failure f);
};

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// Fills verdict.messages (roles, retransmissions) and infers roles that the map lacks.
void prepare(Context& c);
/// Assigns messages to steps.
void match_steps(Context& c);
/// `forwards:` invariants of one matched step.
void check_forward(Context& c, std::size_t step);
/// Dialog invariants over all matched steps.
void check_dialogs(Context& c);
/// Rules across the messages of one transaction or sender (RFC 3261 9.1, 17.1.1.3, 8.1.1.7 and
/// 16.6 step 8): a CANCEL matches its INVITE, the ACK for a non-2xx carries the INVITE's Route,
/// a new transaction's branch is unique.
void check_transactions(Context& c);
/// Causal (or strict) order and `within:` timing.
void check_order(Context& c);
/// Retransmissions folded into their step: count and T1 doubling.
void check_retransmissions(Context& c, std::size_t step);
/// Marks the failures that follow from an earlier root failure (Failure::caused_by,
/// StepResult::caused_by). Runs after every check, before the failures are collected.
void link_consequences(Context& c);
/// Sets Failure::cause (index of the root) in the collected list; a cause that is no root
/// (a waived failure) is dropped, making the failure a root itself.
void resolve_causes(std::vector<Failure>& failures);

/// sip::hop_key of an observed message.
inline std::uint64_t hop_key(const sip::WireMessage& o) {
  return sip::hop_key(o, o.message.summary());
}


}  // namespace ladder::checker
