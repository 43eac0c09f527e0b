#include "engine/plan.h"

#include <algorithm>

namespace ladder::engine {

bool sent_by_stack(const scenario::Scenario& sc, const scenario::Step& s) {
  if (s.is_request()) return s.method == "ACK" || s.method == "PRACK";
  if (s.status == 100 || s.status == 487) return true;
  if (!s.answers) return false;
  return sc.steps[*s.answers].method != "INVITE";
}

Plan::Plan(const scenario::Scenario& sc, std::set<std::string, std::less<>> played)
    : scenario_(&sc), played_(std::move(played)) {
  const auto& steps = sc.steps;
  kinds_.resize(steps.size(), StepKind::ignored);
  states_.resize(steps.size());
  prereqs_.resize(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const scenario::Step& s = steps[i];
    if (played_.contains(s.from)) {
      kinds_[i] = sent_by_stack(sc, s) ? StepKind::automatic : StepKind::action;
    } else if (played_.contains(s.to)) {
      kinds_[i] = StepKind::expect;
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
      if (kinds_[p] != StepKind::ignored) {
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
  if (states_[i].satisfied || kinds_[i] == StepKind::ignored) return false;
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
  std::string key = std::string(role) + (sent ? " > " : " < ") +
                    (s.is_request ? std::string(s.method) : std::to_string(s.status)) + " " +
                    std::string(s.call_id) + " " + std::to_string(s.cseq) + " " +
                    std::string(s.cseq_method) + " " + std::string(s.via_branch);
  if (!seen_keys_.insert(key).second) return std::nullopt;  // retransmission
  for (std::size_t i = 0; i < kinds_.size(); ++i) {
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
    return i;
  }
  return std::nullopt;
}

std::optional<core::TimeNs> Plan::armed_at(std::size_t i) const {
  if (!start_) return std::nullopt;
  core::TimeNs t = *start_;
  for (std::size_t p : prereqs_[i]) {
    if (!states_[p].satisfied) return std::nullopt;
    t = std::max(t, states_[p].time);
  }
  return t;
}

std::vector<std::size_t> Plan::due() const {
  std::vector<std::size_t> out;
  std::set<std::string, std::less<>> blocked;  // roles with an earlier action not fired
  const auto& steps = scenario_->steps;
  for (std::size_t i = 0; i < kinds_.size(); ++i) {
    if (kinds_[i] != StepKind::action) continue;
    const scenario::Step& s = steps[i];
    if (states_[i].fired) continue;
    bool ok = !blocked.contains(s.from) && armed_at(i).has_value();
    if (ok) out.push_back(i);
    if (!s.optional) blocked.insert(s.from);
  }
  return out;
}

void Plan::mark_fired(std::size_t i, core::TimeNs t) {
  states_[i].fired = true;
  states_[i].fired_at = t;
  states_[i].not_ready.clear();
}

bool Plan::complete() const { return !waiting_for().has_value(); }

std::optional<std::size_t> Plan::waiting_for() const {
  for (std::size_t i = 0; i < kinds_.size(); ++i) {
    if (kinds_[i] == StepKind::ignored || scenario_->steps[i].optional) continue;
    if (!states_[i].satisfied) return i;
  }
  return std::nullopt;
}

std::optional<std::size_t> Plan::overdue(
    core::TimeNs now, const std::function<core::TimeNs(std::size_t)>& timeout) const {
  for (std::size_t i = 0; i < kinds_.size(); ++i) {
    if (kinds_[i] == StepKind::ignored || scenario_->steps[i].optional) continue;
    if (states_[i].satisfied) continue;
    auto armed = armed_at(i);
    if (armed && now - *armed > timeout(i)) return i;
  }
  return std::nullopt;
}

std::optional<std::string> Plan::call_id(std::string_view role, std::string_view dialog) const {
  auto it = dialogs_.find({std::string(role), std::string(dialog)});
  if (it == dialogs_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ladder::engine
