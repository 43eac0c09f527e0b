// Which failures follow from an earlier one (issue 12): a reader wants the first thing that went
// wrong, not the thirty failures it drags along. A failure is a consequence when
// - its step is missing and a step it causally follows (its trigger first) is missing, or was
//   seen with its identity broken (Call-ID, From or To): the trigger never came as such;
// - it is a dialog or forward failure of the dialog's identity (Call-ID, From, To) in a dialog
//   whose identity an earlier step (or a forward failure of the same step) already broke;
// - it is a forward failure of a header that the forwarded step already had wrong;
// - it belongs to no step (an extra message, a rule on one) and its Call-ID is that of a call
//   already broken by an earlier root failure.
// Everything else is a root. Conservative on purpose: hiding a real, independent fault behind
// another is worse than showing one line too many.
#include <algorithm>
#include <map>

#include "checker/context.h"

namespace ladder::checker {
namespace {

bool identity_header(std::string_view h) { return h == "Call-ID" || h == "From" || h == "To"; }

bool breaks_identity(const Failure& f) {
  return !f.warning && identity_header(f.header) &&
         (f.kind == core::FailureKind::forward || f.kind == core::FailureKind::dialog);
}

bool has_hard_header(const StepResult& r, std::string_view header) {
  return std::any_of(r.failures.begin(), r.failures.end(), [header](const Failure& f) {
    return !f.warning && !f.header.empty() && f.header == header;
  });
}

}  // namespace

void link_consequences(Context& c) {
  const std::size_t n = c.scenario.steps.size();
  bool any = !c.verdict.failures.empty();
  for (std::size_t s = 0; s < n && !any; ++s) any = !c.result(s).failures.empty();
  if (!any) return;  // the common case of a bulk check: nothing failed

  // blocks[s]: the root step when s cannot be recognised by its receiver (missing, or seen with
  // its identity broken); broken[s]: the root step when s has any hard failure.
  std::vector<std::optional<std::size_t>> blocks(n), broken(n);
  std::map<std::string, std::size_t> broken_dialog;  // dialog key -> root step
  std::map<std::string_view, std::size_t> broken_call;  // Call-ID -> root step
  for (std::size_t s = 0; s < n; ++s) {
    StepResult& r = c.result(s);
    const scenario::Step& st = c.step(s);
    std::optional<std::size_t> upstream;
    if (st.trigger && *st.trigger < s && blocks[*st.trigger]) upstream = blocks[*st.trigger];
    for (std::size_t p : st.preceded_by) {
      if (upstream) break;
      if (p < s && blocks[p]) upstream = blocks[p];
    }
    std::optional<std::size_t> dialog_root;
    if (st.dialog) {
      auto it = broken_dialog.find(c.dialog_key(st));
      if (it != broken_dialog.end()) dialog_root = it->second;
    }
    bool own_forward_identity = std::any_of(r.failures.begin(), r.failures.end(), [](const Failure& f) {
      return breaks_identity(f) && f.kind == core::FailureKind::forward;
    });
    bool has_root = false, identity = false;
    std::optional<std::size_t> first_cause;
    for (Failure& f : r.failures) {
      if (f.warning) continue;
      std::optional<std::size_t> cause;
      if (f.kind == core::FailureKind::missing) {
        cause = upstream;
      } else if (breaks_identity(f)) {
        identity = true;
        if (dialog_root) {
          cause = dialog_root;
        } else if (f.kind == core::FailureKind::dialog && own_forward_identity) {
          cause = s;
        }
      }
      if (!cause && f.kind == core::FailureKind::forward && st.forwards && broken[*st.forwards] &&
          has_hard_header(c.result(*st.forwards), f.header)) {
        cause = broken[*st.forwards];
      }
      if (cause) {
        f.caused_by = c.step(*cause).id;
        if (!first_cause) first_cause = cause;
      } else {
        has_root = true;
      }
    }
    if (has_root) {
      broken[s] = s;
    } else if (first_cause) {
      broken[s] = first_cause;
      r.caused_by = c.step(*first_cause).id;
    }
    bool missing = !c.matched[s] && !st.optional;
    if (broken[s] && (missing || identity)) blocks[s] = broken[s];
    if (identity && st.dialog) broken_dialog.emplace(c.dialog_key(st), *broken[s]);
    if (broken[s] && c.matched[s]) {
      broken_call.emplace(c.msg(*c.matched[s]).message.summary().call_id, *broken[s]);
    }
    if (missing && broken[s] && st.dialog) {
      auto it = c.dialog_call_id.find(c.dialog_key(st));
      if (it != c.dialog_call_id.end()) broken_call.emplace(it->second, *broken[s]);
    }
  }
  if (broken_call.empty()) return;
  // Failures of no step: by the Call-ID of their message, when it came after the root.
  for (Failure& f : c.verdict.failures) {
    if (f.frame == 0) continue;
    for (const sip::WireMessage& w : c.messages) {
      if (w.frame != f.frame) continue;
      auto it = broken_call.find(w.message.summary().call_id);
      if (it != broken_call.end() && c.verdict.steps[it->second].frame <= f.frame) {
        f.caused_by = c.step(it->second).id;
      }
      break;
    }
  }
}

void resolve_causes(std::vector<Failure>& failures) {
  std::map<std::string_view, std::size_t> first_root;  // step id -> its first root failure
  for (std::size_t i = 0; i < failures.size(); ++i) {
    if (is_root(failures[i]) && !failures[i].step.empty()) first_root.emplace(failures[i].step, i);
  }
  for (Failure& f : failures) {
    if (f.caused_by.empty()) continue;
    auto it = first_root.find(f.caused_by);
    if (it != first_root.end()) {
      f.cause = it->second;
    } else {
      f.caused_by.clear();  // its cause turned out to be no root (waived): it is one itself
    }
  }
}

bool follows_from(const Verdict& v, std::size_t step, Failure& f) {
  if (step >= v.steps.size()) return false;
  const StepResult& r = v.steps[step];
  const std::string& id = r.caused_by.empty() ? r.id : r.caused_by;
  for (std::size_t i = 0; i < v.failures.size(); ++i) {
    if (is_root(v.failures[i]) && v.failures[i].step == id) {
      f.caused_by = id;
      f.cause = i;
      return true;
    }
  }
  return false;
}

}  // namespace ladder::checker
