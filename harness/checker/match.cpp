// Assigns observed messages to ladder steps.
//
// Steps are taken in listed order. A candidate for a step is a first copy (not a retransmission)
// going from the step's sender role to its receiver role with the step's method or status that
// no other step took, and that fits what is already known: the transaction it answers (top Via
// branch + CSeq number + method, never CSeq alone), the message it forwards (Call-ID and CSeq),
// and its dialog's Call-ID. Of the candidates, the first that comes after every matched step it
// causally follows wins; if none does, the first candidate (the order check then reports it).
// A dialog mismatch is retried without the dialog constraint, so a rewritten Call-ID is reported
// as a dialog failure rather than as a missing step. A step still without a message is tried once
// more with the Call-ID left out of every constraint (a near miss, issue 12): a proxy that
// rewrites the Call-ID of what it forwards is then named at that step, with that fault, instead
// of "not seen". Branch, CSeq, method, roles and label must all still fit.
#include "checker/context.h"

namespace ladder::checker {
namespace {

bool label_matches(const scenario::Step& s, const sip::Summary& m) {
  return s.is_request() ? (m.is_request && m.method == s.method)
                        : (!m.is_request && m.status == s.status);
}

// Role ids are mostly one letter: compare the first before calling memcmp (fits() runs for
// every step and message pair of every call).
bool same_role(const std::string& a, const std::string& b) {
  return a.size() == b.size() && (a.empty() || (a[0] == b[0] && a == b));
}

enum class Fit : std::uint8_t { full, no_dialog, no_call_id };

bool fits(const Context& c, std::size_t step, std::size_t i, Fit fit) {
  const bool use_dialog = fit == Fit::full;
  const bool call_id = fit != Fit::no_call_id;
  const scenario::Step& s = c.step(step);
  const MessageResult& info = c.info(i);
  if (info.retransmission_of || c.step_of[i]) return false;
  if (!same_role(info.src_role, s.from) || !same_role(info.dst_role, s.to)) return false;
  const sip::Summary& m = c.msg(i).message.summary();
  if (!label_matches(s, m)) return false;

  if (!s.is_request() && s.answers) {
    const scenario::Step& req = c.step(*s.answers);
    if (m.cseq_method != req.method) return false;
    if (auto j = c.matched[*s.answers]) {
      const sip::Summary& r = c.msg(*j).message.summary();
      if (m.cseq != r.cseq || m.via_branch != r.via_branch) return false;
      if (call_id && m.call_id != r.call_id) return false;
    }
  }
  if (s.forwards && !c.b2bua) {
    if (auto j = c.matched[*s.forwards]) {
      const sip::Summary& f = c.msg(*j).message.summary();
      if (m.cseq != f.cseq || m.cseq_method != f.cseq_method) return false;
      if (call_id && m.call_id != f.call_id) return false;
      // Without the Call-ID, the forward must still carry the forwarded request's From tag
      // (a response's: its To tag may be new), so an unrelated message is not taken for it.
      if (!call_id && s.is_request() && m.from_tag != f.from_tag) return false;
    }
  }
  if (use_dialog && s.dialog) {
    auto it = c.dialog_call_id.find(c.dialog_key(s));
    if (it != c.dialog_call_id.end()) {
      if (m.call_id != it->second) return false;
    } else if (!c.b2bua) {
      // A new dialog label takes a Call-ID no other dialog of this flow has.
      for (const auto& [key, id] : c.dialog_call_id) {
        if (id == m.call_id) return false;
      }
    }
  }
  return true;
}

std::optional<std::size_t> choose(const Context& c, std::size_t step, Fit fit) {
  std::size_t earliest = 0;
  for (std::size_t p : c.step(step).preceded_by) {
    if (auto j = c.matched[p]) earliest = std::max(earliest, *j + 1);
  }
  std::optional<std::size_t> first;
  for (std::size_t i = 0; i < c.messages.size(); ++i) {
    if (!fits(c, step, i, fit)) continue;
    if (i >= earliest) return i;
    if (!first) first = i;
  }
  return first;
}

}  // namespace

std::string Context::dialog_key(const scenario::Step& s) const {
  if (!s.dialog) return "";
  if (!b2bua) return *s.dialog;
  // Through a B2BUA each leg is its own dialog: key by label and the (unordered) role pair.
  std::string a = s.from, b = s.to;
  if (b < a) std::swap(a, b);
  return *s.dialog + "|" + a + "-" + b;
}

void match_steps(Context& c) {
  for (std::size_t s = 0; s < c.scenario.steps.size(); ++s) {
    const scenario::Step& st = c.step(s);
    auto i = choose(c, s, Fit::full);
    if (!i && st.dialog) i = choose(c, s, Fit::no_dialog);
    if (!i && !c.b2bua && (st.forwards || st.answers)) {
      i = choose(c, s, Fit::no_call_id);
      if (i) c.near_miss[s] = true;
    }
    if (!i) continue;
    c.matched[s] = *i;
    c.step_of[*i] = s;
    c.verdict.messages[*i].step = s;
    if (st.dialog) c.dialog_call_id.emplace(c.dialog_key(st), c.msg(*i).message.summary().call_id);
  }
}

}  // namespace ladder::checker
