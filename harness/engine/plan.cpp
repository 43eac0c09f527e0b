#include "engine/plan.h"

#include <algorithm>

#include "sip/bulk.h"

namespace ladder::engine {
namespace {

/// An INVITE inside a dialog that exists already: the ladder says it existed before the first
/// step, or an earlier step belongs to it.
bool in_existing_dialog(const scenario::Scenario& sc, std::size_t i) {
  const auto& label = sc.steps[i].dialog;
  if (!label) return false;
  for (const auto& d : sc.dialogs) {
    if (d.label == *label && d.state == scenario::DialogState::established) return true;
  }
  for (std::size_t j = 0; j < i; ++j) {
    if (sc.steps[j].dialog == label) return true;
  }
  return false;
}

bool is_dtmf(const scenario::Step& s) {
  if (!s.send || !s.send->body_type || !s.send->body_text) return false;
  std::string type = *s.send->body_type;
  for (char& c : type) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return type.starts_with("application/dtmf-relay");
}

/// The dialog a played role acts in: the step's own, or for a CANCEL without one the dialog of
/// the INVITE it cancels (the role's latest INVITE before it).
std::string action_dialog(const scenario::Scenario& sc, std::size_t i) {
  const scenario::Step& s = sc.steps[i];
  if (s.dialog) return *s.dialog;
  if (s.is_request() && s.method == "CANCEL") {
    for (std::size_t j = i; j-- > 0;) {
      const auto& prev = sc.steps[j];
      if (prev.from == s.from && prev.is_request() && prev.method == "INVITE") {
        return prev.dialog.value_or("");
      }
    }
  }
  return {};
}

}  // namespace

ActionKind verb_of(const scenario::Scenario& sc, std::size_t i) {
  const scenario::Step& s = sc.steps[i];
  // What inference cannot know, the ladder says (`action: hold`).
  if (s.action && !s.action->verb.empty()) {
    if (auto named = verb_named(s.action->verb)) return *named;
  }
  if (!s.is_request()) {
    if (s.status < 200) return ActionKind::ring;
    return s.status < 300 ? ActionKind::answer : ActionKind::reject;
  }
  if (s.method == "INVITE") {
    if (!in_existing_dialog(sc, i)) return ActionKind::dial;
    // A copy: the conditional of a std::string and "" is a temporary std::string.
    std::string preset = s.send && s.send->sdp_preset ? *s.send->sdp_preset : std::string();
    if (preset == "hold") return ActionKind::hold;
    if (preset == "resume") return ActionKind::resume;
    return ActionKind::reinvite;
  }
  if (s.method == "BYE") return ActionKind::hang_up;
  if (s.method == "CANCEL") return ActionKind::cancel;
  if (s.method == "REFER") return ActionKind::transfer;
  if (s.method == "INFO" && is_dtmf(s)) return ActionKind::digits;
  return ActionKind::request;
}

/// An INVITE that follows a 3xx to the same role's INVITE, with nothing else sent by that role
/// in between but the ACK: the UA's recursion to the Contact (RFC 3261 8.1.3.4, RFC 3665 3.6),
/// which the stack does by itself, as phones do.
bool recurses_on_3xx(const scenario::Scenario& sc, const scenario::Step& s) {
  if (!s.is_request() || s.method != "INVITE") return false;
  auto i = static_cast<std::size_t>(&s - sc.steps.data());
  for (std::size_t j = i; j-- > 0;) {
    const scenario::Step& p = sc.steps[j];
    if (p.from == s.from && !(p.is_request() && p.method == "ACK")) return false;
    if (p.to == s.from && !p.is_request() && p.status >= 300 && p.status < 400 && p.answers &&
        sc.steps[*p.answers].method == "INVITE") {
      return true;
    }
  }
  return false;
}

/// Whether `role` has an INVITE of its own in `dialog` without a final response before step `i`
/// (an offer outstanding: RFC 3261 14.2).
bool invite_outstanding(const scenario::Scenario& sc, std::size_t i, const std::string& role,
                        const std::optional<std::string>& dialog) {
  for (std::size_t j = i; j-- > 0;) {
    const scenario::Step& r = sc.steps[j];
    if (r.from != role || !r.is_request() || r.method != "INVITE" || r.dialog != dialog) continue;
    for (std::size_t k = j + 1; k < i; ++k) {
      const scenario::Step& a = sc.steps[k];
      if (!a.is_request() && a.status >= 200 && a.answers == j) return false;
    }
    return true;
  }
  return false;
}

/// A 491 to an INVITE, sent by a role whose own INVITE in that dialog has no final response
/// before it in the ladder: glare (RFC 3261 14.2).
bool answers_glare(const scenario::Scenario& sc, const scenario::Step& s) {
  if (s.is_request() || s.status != 491 || !s.answers) return false;
  if (sc.steps[*s.answers].method != "INVITE") return false;
  auto i = static_cast<std::size_t>(&s - sc.steps.data());
  return invite_outstanding(sc, i, s.from, s.dialog);
}

/// The 491 a role received to its own INVITE that an INVITE of that role at step `i` retries
/// (RFC 3261 14.1): the latest such 491 with no INVITE of the role in the dialog in between.
std::optional<std::size_t> glare_retry_of(const scenario::Scenario& sc, std::size_t i) {
  const scenario::Step& s = sc.steps[i];
  if (!s.is_request() || s.method != "INVITE" || !s.dialog) return std::nullopt;
  for (std::size_t j = i; j-- > 0;) {
    const scenario::Step& r = sc.steps[j];
    if (r.dialog != s.dialog) continue;
    if (r.from == s.from && r.is_request() && r.method == "INVITE") return std::nullopt;
    if (r.to == s.from && !r.is_request() && r.status == 491 && r.answers &&
        sc.steps[*r.answers].from == s.from) {
      return j;
    }
  }
  return std::nullopt;
}

/// Whether `role` owns the Call-ID of `dialog`: it sent the dialog's first INVITE.
bool owns_call_id(const scenario::Scenario& sc, const std::string& role,
                  const std::string& dialog) {
  for (const auto& s : sc.steps) {
    if (s.is_request() && s.method == "INVITE" && s.dialog == dialog) return s.from == role;
  }
  return false;
}

bool sent_by_stack(const scenario::Scenario& sc, const scenario::Step& s) {
  if (s.is_request()) {
    return s.method == "ACK" || s.method == "PRACK" || recurses_on_3xx(sc, s);
  }
  if (s.status == 100 || s.status == 487) return true;
  if (!s.answers) return false;
  return sc.steps[*s.answers].method != "INVITE";
}

Plan::Plan(const scenario::Scenario& sc, std::set<std::string, std::less<>> played)
    : scenario_(&sc), played_(std::move(played)) {
  const auto& steps = sc.steps;
  tracking_.resize(steps.size(), Tracking::ignored);
  verbs_.resize(steps.size(), ActionKind::request);
  action_dialogs_.resize(steps.size());
  states_.resize(steps.size());
  prereqs_.resize(steps.size());
  ring_after_.resize(steps.size());
  pause_after_.resize(steps.size());
  ring_.resize(steps.size(), 0);
  glare_after_.resize(steps.size());
  glare_wait_.resize(steps.size(), 0);
  together_.resize(steps.size());
  stack_may_send_.resize(steps.size(), false);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const scenario::Step& s = steps[i];
    if (played_.contains(s.from)) {
      tracking_[i] = sent_by_stack(sc, s) ? Tracking::automatic : Tracking::action;
    } else if (played_.contains(s.to)) {
      tracking_[i] = Tracking::expect;
    }
    if (tracking_[i] == Tracking::action) {
      verbs_[i] = verb_of(sc, i);
      action_dialogs_[i] = action_dialog(sc, i);
    }
    // A request in a dialog after the same role's own message in it: a pause first (set_ring).
    if (tracking_[i] == Tracking::action && s.is_request() && !action_dialogs_[i].empty()) {
      for (std::size_t j = i; j-- > 0;) {
        const scenario::Step& r = steps[j];
        if (r.from == s.from && tracking_[j] != Tracking::ignored && !r.optional &&
            (r.dialog.value_or("") == action_dialogs_[i] ||
             (tracking_[j] == Tracking::action && action_dialogs_[j] == action_dialogs_[i]))) {
          pause_after_[i] = j;
          break;
        }
      }
    }
    // Glare: the role's stack answers 491 by itself while its own INVITE is open (RFC 3261
    // 14.2); one that arrives after the 491 to its own (a multi-worker proxy may relay it that
    // late) it leaves to the role, which answers 491 too, as it still means to retry (14.1).
    if (tracking_[i] == Tracking::action && answers_glare(sc, s)) stack_may_send_[i] = true;
    // A re-INVITE after a 491 to the role's own: the glare retry waits (RFC 3261 14.1).
    if (tracking_[i] == Tracking::action) {
      if (auto g = glare_retry_of(sc, i)) {
        glare_after_[i] = g;
        glare_wait_[i] = owns_call_id(sc, s.from, *s.dialog) ? kGlareOwnerWait : kGlareOtherWait;
      }
    }
    // Actions of different roles with the same `after:` leave together (crossing requests).
    if (tracking_[i] == Tracking::action && s.after) {
      for (std::size_t j = 0; j < steps.size(); ++j) {
        if (j != i && steps[j].after == s.after && steps[j].from != s.from &&
            played_.contains(steps[j].from) && !sent_by_stack(sc, steps[j])) {
          together_[i].push_back(j);
        }
      }
    }
    // A final answer to an INVITE after the same role's 1xx to it: rings first (set_ring).
    if (tracking_[i] == Tracking::action && !s.is_request() && s.status >= 200 && s.answers &&
        steps[*s.answers].method == "INVITE") {
      for (std::size_t j = i; j-- > 0;) {
        const scenario::Step& r = steps[j];
        if (!r.is_request() && r.status < 200 && r.status != 100 && r.from == s.from &&
            r.answers == s.answers && tracking_[j] == Tracking::action) {
          ring_after_[i] = j;
          break;
        }
      }
    }
  }
  // Prerequisites in step order: an untracked predecessor is replaced by its own (already
  // computed) prerequisites, since the engine cannot see it happen. A non-optional step never
  // waits for an optional one (it may never come); an optional step does (F28e, A's hang-up,
  // waits for F28d, the answer to A's final NOTIFY): if that never comes, neither does it.
  for (std::size_t i = 0; i < steps.size(); ++i) {
    std::set<std::size_t> out;
    for (std::size_t p : steps[i].preceded_by) {
      if (steps[p].optional && !steps[i].optional) continue;
      if (tracking_[p] != Tracking::ignored) {
        out.insert(p);
      } else {
        out.insert(prereqs_[p].begin(), prereqs_[p].end());
      }
    }
    prereqs_[i].assign(out.begin(), out.end());
  }
}

bool Plan::candidate(std::size_t i, std::string_view role, bool sent, const sip::Summary& m) const {
  const scenario::Step& s = scenario_->steps[i];
  if (states_[i].satisfied || tracking_[i] == Tracking::ignored) return false;
  if ((sent ? s.from : s.to) != role) return false;
  if (s.is_request() != m.is_request) return false;
  if (s.is_request()) {
    if (s.method != m.method) return false;
  } else {
    if (s.status != m.status) return false;
    if (s.answers && scenario_->steps[*s.answers].method != m.cseq_method) return false;
  }
  if (s.dialog) {
    auto bound = dialogs_.find({std::string(role), *s.dialog});
    if (bound != dialogs_.end()) return bound->second == m.call_id;
    // A Call-ID already bound to another label at this role belongs to that dialog.
    for (const auto& [key, cid] : dialogs_) {
      if (key.first == role && cid == m.call_id) return false;
    }
  }
  return true;
}

std::optional<std::size_t> Plan::observe(std::string_view role, bool sent, const sip::Message& m,
                                         core::TimeNs t) {
  const sip::Summary& s = m.summary();
  if (s.problem != nullptr && s.call_id.empty()) return std::nullopt;
  // The hop is the role and the direction: a message between two played roles is seen twice,
  // once sent and once received, and satisfies a step each time.
  if (!seen_keys_.emplace(std::string(role), sent, s.transmission).second) {
    return std::nullopt;  // a retransmission
  }
  for (std::size_t i = 0; i < tracking_.size(); ++i) {
    if (!candidate(i, role, sent, s)) continue;
    StepState& st = states_[i];
    st.satisfied = true;
    st.time = t;
    st.call_id = std::string(s.call_id);
    auto type = m.header_view("Content-Type");
    if (type && type->substr(0, type->find(';')).find("application/sdp") != std::string_view::npos) {
      st.sdp = std::string(m.body());
    }
    const auto& dialog = scenario_->steps[i].dialog;
    if (dialog) dialogs_.emplace(std::pair{std::string(role), *dialog}, st.call_id);
    save_values(i, m);
    return i;
  }
  return std::nullopt;
}

void Plan::set_ring(const std::map<std::string, core::TimeNs, std::less<>>& by_role,
                    core::TimeNs fallback, core::TimeNs pause) {
  pause_ = pause;
  const auto& steps = scenario_->steps;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (!ring_after_[i]) continue;
    const scenario::Step& s = steps[i];
    if (s.ring) {
      ring_[i] = s.ring->count() * 1000;
    } else if (auto r = by_role.find(s.from); r != by_role.end()) {
      ring_[i] = r->second;
    } else {
      ring_[i] = fallback;
    }
  }
}

namespace {

/// The value of header parameter `name` in `value` ("<sip:b@h>;tag=x" -> "x"), case-insensitive
/// on the name; parameters are looked for after the URI's closing '>' when there is one.
std::optional<std::string> param_of(std::string_view value, std::string_view name) {
  std::size_t at = value.find('>');
  at = value.find(';', at == std::string_view::npos ? 0 : at);
  while (at != std::string_view::npos) {
    std::size_t end = value.find(';', at + 1);
    std::string_view p = value.substr(at + 1, end == std::string_view::npos ? end : end - at - 1);
    std::size_t eq = p.find('=');
    std::string_view key = p.substr(0, eq);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    while (!key.empty() && key.front() == ' ') key.remove_prefix(1);
    if (core::iequals(key, name)) {
      return eq == std::string_view::npos ? std::string() : std::string(p.substr(eq + 1));
    }
    at = end;
  }
  return std::nullopt;
}

/// The URI of a header value: inside <> when present, else up to the first ';'.
std::string uri_of(std::string_view value) {
  if (auto lt = value.find('<'); lt != std::string_view::npos) {
    auto gt = value.find('>', lt);
    return std::string(value.substr(lt + 1, gt == std::string_view::npos ? gt : gt - lt - 1));
  }
  value = value.substr(0, value.find(';'));
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  return std::string(value);
}

}  // namespace

void Plan::save_values(std::size_t i, const sip::Message& m) {
  for (const auto& h : scenario_->steps[i].headers) {
    if (!h.save) continue;
    sip::Views values = m.header_views(h.name);
    if (values.empty()) continue;
    int idx = h.every ? 0 : h.index < 0 ? static_cast<int>(values.size()) + h.index : h.index;
    if (idx < 0 || idx >= static_cast<int>(values.size())) continue;
    std::string_view v = values[static_cast<std::size_t>(idx)];
    if (h.save->param) {
      if (auto p = param_of(v, *h.save->param)) saved_[h.save->var] = *p;
    } else if (h.save->uri) {
      saved_[h.save->var] = uri_of(v);
    } else {
      saved_[h.save->var] = std::string(v);
    }
  }
}

std::optional<core::TimeNs> Plan::armed_at(std::size_t i) const {
  auto t = armed_alone(i);
  for (std::size_t j : together_[i]) {
    auto other = armed_alone(j);
    if (!t || !other) return std::nullopt;
    t = std::max(*t, *other);
  }
  return t;
}

std::optional<core::TimeNs> Plan::armed_alone(std::size_t i) const {
  if (!start_) return std::nullopt;
  core::TimeNs t = *start_;
  for (std::size_t p : prereqs_[i]) {
    if (!states_[p].satisfied) return std::nullopt;
    t = std::max(t, states_[p].time);
  }
  if (pause_after_[i] && pause_ > 0) {
    // Counted from that message on the wire; a message the stack sends by itself (a 200 to a
    // SUBSCRIBE) may leave a loop turn after the event that queued it: wait until it is seen.
    const StepState& r = states_[*pause_after_[i]];
    core::TimeNs sent = r.satisfied ? r.time : r.fired ? r.fired_at : 0;
    if (sent == 0) return std::nullopt;
    t = std::max(t, sent + pause_);
  }
  if (ring_after_[i] && ring_[i] > 0) {
    // Counted from the 1xx on the wire (or, until the dump shows it, from when it was sent).
    const StepState& r = states_[*ring_after_[i]];
    core::TimeNs rang = r.satisfied ? r.time : r.fired ? r.fired_at : 0;
    if (rang != 0) t = std::max(t, rang + ring_[i]);
  }
  if (glare_after_[i]) {
    // Counted from the 491 on the wire; it is a prerequisite (the role received it), so seen.
    const StepState& r = states_[*glare_after_[i]];
    if (!r.satisfied) return std::nullopt;
    t = std::max(t, r.time + glare_wait_[i]);
  }
  return t;
}

std::vector<std::size_t> Plan::due(core::TimeNs now) const {
  std::vector<std::size_t> out;
  // Roles with an earlier action not fired: a handful, so a list (this runs for every call in
  // progress at every turn that touches it under load).
  std::vector<std::string_view> blocked;
  auto is_blocked = [&blocked](std::string_view role) {
    return std::find(blocked.begin(), blocked.end(), role) != blocked.end();
  };
  const auto& steps = scenario_->steps;
  for (std::size_t i = 0; i < tracking_.size(); ++i) {
    if (tracking_[i] != Tracking::action) continue;
    const scenario::Step& s = steps[i];
    if (states_[i].fired || (stack_may_send_[i] && states_[i].satisfied)) continue;
    if (is_blocked(s.from)) continue;
    auto armed = armed_at(i);
    if (armed && *armed <= now) out.push_back(i);
    if (!s.optional) blocked.push_back(s.from);
  }
  return out;
}

void Plan::mark_fired(std::size_t i, core::TimeNs now) {
  states_[i].fired = true;
  states_[i].fired_at = now;
  states_[i].not_ready.clear();
}

bool Plan::complete() const { return !waiting_for().has_value(); }

std::optional<std::size_t> Plan::waiting_for() const {
  for (std::size_t i = 0; i < tracking_.size(); ++i) {
    if (tracking_[i] == Tracking::ignored || scenario_->steps[i].optional) continue;
    if (!states_[i].satisfied) return i;
  }
  return std::nullopt;
}

std::optional<core::TimeNs> Plan::deadline(
    std::size_t i, const std::function<core::TimeNs(std::size_t)>& timeout) const {
  if (tracking_[i] == Tracking::ignored || scenario_->steps[i].optional) return std::nullopt;
  if (states_[i].satisfied) return std::nullopt;
  auto armed = armed_at(i);
  if (!armed) return std::nullopt;
  return *armed + timeout(i);
}

std::optional<std::size_t> Plan::overdue(
    core::TimeNs now, const std::function<core::TimeNs(std::size_t)>& timeout) const {
  for (std::size_t i = 0; i < tracking_.size(); ++i) {
    auto d = deadline(i, timeout);
    if (d && now > *d) return i;
  }
  return std::nullopt;
}

std::optional<core::TimeNs> Plan::next_wake(
    const std::function<core::TimeNs(std::size_t)>& timeout) const {
  std::optional<core::TimeNs> wake;
  auto consider = [&wake](std::optional<core::TimeNs> t) {
    if (t) wake = wake ? std::min(*wake, *t) : *t;
  };
  for (std::size_t i = 0; i < tracking_.size(); ++i) {
    bool open_action = tracking_[i] == Tracking::action && !states_[i].fired &&
                       !(stack_may_send_[i] && states_[i].satisfied);
    if (open_action) consider(armed_at(i));
    consider(deadline(i, timeout));
  }
  return wake;
}

std::optional<std::string> Plan::call_id(std::string_view role, std::string_view dialog) const {
  auto it = dialogs_.find({std::string(role), std::string(dialog)});
  if (it == dialogs_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ladder::engine
