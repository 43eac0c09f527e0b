#include <algorithm>

#include "checker/checker.h"
#include "checker/context.h"
#include "checker/expect.h"

namespace ladder::checker {
namespace {

bool tolerated(const sip::Summary& m, const std::vector<std::string>& methods) {
  if (!m.is_request && m.status == 100) return true;
  std::string_view method = m.is_request ? m.method : m.cseq_method;
  return std::find(methods.begin(), methods.end(), method) != methods.end();
}

// What came instead of a missing step, to read the failure quickly: first a message with the
// step's label and one of its roles in the same call ("the nearest is 180 P -> B at frame 12"),
// else a message of the same kind on the step's hop for the same transaction ("instead: 401 R ->
// A at frame 516"). Only messages of the step's own transaction or dialog are named (issue 12:
// never a REGISTER's 200 for an INVITE's); when the step's call is unknown, nothing is named.
// A message on the step's hop whose start line the parser rejected: it has no method or status,
// so no step can take it, but it may well be the step's message, sent broken (issue 14). Its
// frame, sender, receiver and the parser's reason are what a reader needs; npos when none.
std::size_t malformed_stand_in(const Context& c, std::size_t step) {
  const scenario::Step& s = c.step(step);
  for (std::size_t i = 0; i < c.messages.size(); ++i) {
    if (c.step_of[i] || c.info(i).retransmission_of) continue;
    if (c.info(i).src_role != s.from || c.info(i).dst_role != s.to) continue;
    const sip::Summary& m = c.msg(i).message.summary();
    if (m.is_request || m.status != 0) continue;
    if (std::find(c.stood_in.begin(), c.stood_in.end(), i) != c.stood_in.end()) continue;
    return i;
  }
  return npos;
}

// The Call-IDs a message of this step may carry: its dialog's, the answered request's, the
// forwarded message's (views into the messages). Empty: the step's call is not known.
std::vector<std::string_view> related_call_ids(const Context& c, std::size_t step) {
  const scenario::Step& s = c.step(step);
  std::vector<std::string_view> ids;
  if (s.dialog) {
    auto it = c.dialog_call_id.find(c.dialog_key(s));
    if (it != c.dialog_call_id.end()) ids.push_back(it->second);
  }
  for (auto ref : {s.answers, s.forwards}) {
    if (ref && c.matched[*ref]) ids.push_back(c.msg(*c.matched[*ref]).message.summary().call_id);
  }
  return ids;
}

std::string hint(const Context& c, std::size_t step) {
  const scenario::Step& s = c.step(step);
  auto roles = [&c](std::size_t i) {
    const MessageResult& info = c.info(i);
    std::string from = info.src_role.empty() ? c.msg(i).src.to_string() : info.src_role;
    std::string to = info.dst_role.empty() ? c.msg(i).dst.to_string() : info.dst_role;
    return from + " -> " + to;
  };
  const std::vector<std::string_view> calls = related_call_ids(c, step);
  if (calls.empty()) return "";
  auto same_call = [&](const sip::Summary& m) {
    return std::find(calls.begin(), calls.end(), m.call_id) != calls.end();
  };
  const std::string* answered = s.answers ? &c.step(*s.answers).method : nullptr;
  for (std::size_t i = 0; i < c.messages.size(); ++i) {
    if (c.step_of[i] || c.info(i).retransmission_of) continue;
    const sip::Summary& m = c.msg(i).message.summary();
    bool same_label = s.is_request() ? (m.is_request && m.method == s.method)
                                     : (!m.is_request && m.status == s.status &&
                                        (!answered || m.cseq_method == *answered));
    if (same_label && same_call(m) &&
        (c.info(i).src_role == s.from || c.info(i).dst_role == s.to)) {
      return "; the nearest is " + s.label() + " " + roles(i) + " at frame " +
             std::to_string(c.msg(i).frame);
    }
  }
  // A plain index, not an optional: GCC 12 -O2 warns (wrongly) that the optional may be unset.
  std::size_t request = npos;
  if (s.answers && c.matched[*s.answers]) request = *c.matched[*s.answers];
  std::optional<std::size_t> instead;  // a 100 Trying only when nothing else came
  for (std::size_t i = 0; i < c.messages.size(); ++i) {
    if (c.step_of[i] || c.info(i).retransmission_of) continue;
    if (c.info(i).src_role != s.from || c.info(i).dst_role != s.to) continue;
    const sip::Summary& m = c.msg(i).message.summary();
    if (m.is_request != s.is_request()) continue;
    if (!s.is_request()) {
      if (request == npos) continue;
      const sip::Summary& r = c.msg(request).message.summary();
      if (m.cseq != r.cseq || m.via_branch != r.via_branch) continue;
    } else if (!same_call(m)) {
      continue;
    }
    bool trying = !m.is_request && m.status == 100;
    if (!instead || (!trying && c.msg(*instead).message.summary().status == 100)) instead = i;
    if (!trying) break;
  }
  if (!instead) return "";
  const sip::Summary& m = c.msg(*instead).message.summary();
  std::string label = m.is_request ? std::string(m.method) : std::to_string(m.status);
  return "; instead: " + label + " " + roles(*instead) + " at frame " +
         std::to_string(c.msg(*instead).frame);
}

void check_step(Context& c, std::size_t s, const scenario::Bindings& bindings,
                scenario::Bindings* saved) {
  StepResult& r = c.result(s);
  const scenario::Step& st = c.step(s);
  auto i = c.matched[s];
  if (!i) {
    r.status = st.optional ? StepStatus::skipped : StepStatus::missing;
    if (!st.optional) {
      Failure f;
      f.kind = core::FailureKind::missing;
      f.expected = st.describe();
      f.seen = "nothing";
      std::size_t bad = malformed_stand_in(c, s);
      if (bad != npos) {
        c.stood_in.push_back(bad);
        const sip::WireMessage& w = c.msg(bad);
        f.seen = "a malformed message at frame " + std::to_string(w.frame);
        f.message = st.label() + " " + st.from + " -> " + st.to +
                    ": not seen; a malformed message stood in its place: frame " +
                    std::to_string(w.frame) + " " + st.from + " -> " + st.to + " (" +
                    w.src.to_string() + " -> " + w.dst.to_string() + "), " + w.message.problem();
      } else {
        f.message = st.label() + " " + st.from + " -> " + st.to + ": not seen" + hint(c, s);
      }
      c.fail(s, bad, std::move(f));
    }
    return;
  }
  r.message = *i;
  r.frame = c.msg(*i).frame;
  r.time = c.msg(*i).time;
  std::vector<Failure> found;
  if (c.near_miss[s] && !st.forwards && !st.dialog && st.answers && c.matched[*st.answers]) {
    // Found only with its Call-ID left aside, and no forward or dialog check will say so.
    std::string want(c.msg(*c.matched[*st.answers]).message.summary().call_id);
    std::string got(c.msg(*i).message.summary().call_id);
    Failure f;
    f.kind = core::FailureKind::dialog;
    f.header = "Call-ID";
    f.expected = "'" + want + "'";
    f.seen = "'" + got + "'";
    f.message = "the Call-ID changed from the request's (" + c.step(*st.answers).id +
                "): expected " + f.expected + ", seen " + f.seen;
    found.push_back(std::move(f));
  }
  check_expectations(st, c.msg(*i).message, bindings, saved, found);
  for (Failure& f : found) c.fail(s, *i, std::move(f));
  check_forward(c, s);
  check_retransmissions(c, s);
}

bool saves_values(const scenario::Scenario& sc) {
  for (const scenario::Step& st : sc.steps) {
    for (const scenario::HeaderExpectation& h : st.headers) {
      if (h.save) return true;
    }
  }
  return false;
}

void check_rules_of(Context& c) {
  for (MessageResult& m : c.verdict.messages) {
    if (m.src_role.empty() || m.dst_role.empty() || m.retransmission_of) continue;
    m.rules = check_rules(c.msg(m.index).message, c.msg(m.index).transport, c.effort.full_parse);
    for (const RuleFinding& rf : m.rules) {
      Failure f;
      f.kind = core::FailureKind::rule;
      f.header = rf.header;
      f.message = rf.rule + ": " + rf.message;
      f.warning = !c.options.rules_fail || !m.step;
      c.fail(m.step ? *m.step : npos, m.index, std::move(f));
    }
  }
}

void check_extras(Context& c) {
  auto policy = c.scenario.policy.extra_messages;
  for (MessageResult& m : c.verdict.messages) {
    if (m.step || m.retransmission_of || m.src_role.empty() || m.dst_role.empty()) continue;
    if (std::find(c.stood_in.begin(), c.stood_in.end(), m.index) != c.stood_in.end()) continue;
    const sip::Summary& s = c.msg(m.index).message.summary();
    if (tolerated(s, c.options.tolerated_methods)) {
      m.tolerated = true;
      continue;
    }
    if (policy == scenario::ExtraMessages::ignore) continue;
    std::string label = s.is_request    ? std::string(s.method)
                        : s.status != 0 ? std::to_string(s.status)
                                        : std::string("malformed message");
    Failure f;
    f.kind = core::FailureKind::extra;
    f.expected = "no message";
    f.seen = label + " " + m.src_role + " -> " + m.dst_role;
    f.message = "unexpected " + label + " " + m.src_role + " -> " + m.dst_role +
                " (CSeq " + std::to_string(s.cseq) + " " + std::string(s.cseq_method) +
                ", not in the ladder)";
    f.warning = policy == scenario::ExtraMessages::warn;
    c.fail(npos, m.index, std::move(f));
  }
}

}  // namespace

std::string_view to_string(StepStatus s) {
  switch (s) {
    case StepStatus::passed: return "passed";
    case StepStatus::failed: return "failed";
    case StepStatus::missing: return "missing";
    case StepStatus::skipped: return "skipped";
  }
  return "?";
}

void Context::fail(std::size_t step, std::size_t message, Failure f) {
  const auto& waive = scenario.policy.waive;
  std::string_view kind = core::to_string(f.kind);
  if (!f.warning && core::waivable(f.kind) &&
      std::find(waive.begin(), waive.end(), kind) != waive.end()) {
    f.warning = true;
    f.waived = true;
    f.message += " [waived: policy.waive has '" + std::string(kind) + "']";
  }
  if (message != npos) {
    if (f.frame == 0) f.frame = messages[message].frame;
    if (f.time == 0) f.time = messages[message].time;
  }
  if (step != npos) {
    f.step = scenario.steps[step].id;
    verdict.steps[step].failures.push_back(std::move(f));
  } else {
    verdict.failures.push_back(std::move(f));  // collected with the step failures at the end
  }
}

void add_role_bindings(const scenario::RoleMap& roles, scenario::Bindings& bindings) {
  for (const auto& [role, attrs] : roles.bindings().roles) {
    for (const auto& [k, val] : attrs) bindings.roles[role].emplace(k, val);
  }
}

Verdict check(const scenario::Scenario& scenario, const std::vector<sip::WireMessage>& messages,
              const CheckOptions& options) {
  return check(scenario, messages, options, Effort{});
}

Verdict check(const scenario::Scenario& scenario, const std::vector<sip::WireMessage>& messages,
              const CheckOptions& options, const Effort& effort) {
  Verdict v;
  v.scenario = scenario.name;
  if (!messages.empty()) v.origin = messages.front().time;
  Context c{scenario, messages, options, effort, v, false, {}, {}, {}, {}, {}};
  for (const scenario::Role& r : scenario.roles) c.b2bua |= r.kind == scenario::RoleKind::b2bua;
  c.matched.assign(scenario.steps.size(), std::nullopt);
  c.step_of.assign(messages.size(), std::nullopt);
  c.near_miss.assign(scenario.steps.size(), false);
  v.steps.resize(scenario.steps.size());
  for (std::size_t s = 0; s < scenario.steps.size(); ++s) {
    v.steps[s].step = s;
    v.steps[s].id = scenario.steps[s].id;
  }

  prepare(c);
  match_steps(c);
  // The bindings are copied only when this check adds to them (bulk checks run it per call).
  std::optional<scenario::Bindings> own;
  if (!effort.bindings_have_roles || saves_values(scenario)) {
    own = options.bindings;
    if (!effort.bindings_have_roles) add_role_bindings(v.roles, *own);
  }
  const scenario::Bindings& bindings = own ? *own : options.bindings;
  for (std::size_t s = 0; s < scenario.steps.size(); ++s) {
    check_step(c, s, bindings, own ? &*own : nullptr);
  }
  check_order(c);
  check_dialogs(c);
  check_transactions(c);
  check_rules_of(c);
  check_extras(c);
  link_consequences(c);

  // Step status, then every failure in one list: steps first, in step order.
  std::vector<Failure> general = std::move(v.failures);
  v.failures.clear();
  bool failed = false;
  for (StepResult& r : v.steps) {
    bool hard = std::any_of(r.failures.begin(), r.failures.end(),
                            [](const Failure& f) { return !f.warning; });
    if (r.message) r.status = hard ? StepStatus::failed : StepStatus::passed;
    failed |= hard;
    v.failures.insert(v.failures.end(), r.failures.begin(), r.failures.end());
  }
  for (Failure& f : general) {
    failed |= !f.warning;
    v.failures.push_back(std::move(f));
  }
  if (!v.failures.empty()) {
    resolve_causes(v.failures);
    std::size_t k = 0;  // the steps' own copies, in the order they were collected
    for (StepResult& r : v.steps) {
      for (Failure& f : r.failures) {
        f.caused_by = v.failures[k].caused_by;
        f.cause = v.failures[k++].cause;
      }
      if (!r.caused_by.empty() &&
          std::any_of(r.failures.begin(), r.failures.end(), [](const Failure& f) { return is_root(f); })) {
        r.caused_by.clear();
      }
    }
  }
  v.checked_anything = std::any_of(v.messages.begin(), v.messages.end(), [](const MessageResult& m) {
    return !m.src_role.empty() && !m.dst_role.empty();
  });
  for (const auto& [name, value] : bindings.variables) {
    v.notes.push_back("saved ${" + name + "} = " + value);
  }
  v.passed = v.checked_anything && !failed;
  return v;
}

}  // namespace ladder::checker
