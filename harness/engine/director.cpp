#include "engine/director.h"

#include <cstdio>

namespace ladder::engine {
namespace {

std::string within(core::TimeNs timeout) {
  return " within " + scenario::format_duration(scenario::Duration(timeout / 1000));
}

/// The Signal= values of a application/dtmf-relay body, in order: "Signal=1\r\nDuration=160"
/// gives "1".
std::string dtmf_digits(std::string_view body) {
  std::string out;
  std::size_t at = 0;
  while ((at = body.find("Signal=", at)) != std::string_view::npos) {
    at += 7;
    while (at < body.size() && body[at] != '\r' && body[at] != '\n') {
      if (body[at] != ' ') out += body[at];
      ++at;
    }
  }
  return out;
}

}  // namespace

Director::Director(const scenario::Scenario& scenario, std::set<std::string, std::less<>> played,
                   DirectorOptions options)
    : scenario_(scenario), plan_(scenario, std::move(played)), options_(options) {
  plan_.set_ring(options_.ring_by_role, options_.ring, options_.pause);
}

core::TimeNs Director::timeout_of(std::size_t i) const {
  const scenario::Step& s = scenario_.steps[i];
  if (s.timeout) return s.timeout->count() * 1000;
  if (scenario_.policy.step_timeout) return scenario_.policy.step_timeout->count() * 1000;
  if (options_.testbed_step_timeout) return *options_.testbed_step_timeout;
  return options_.step_timeout;
}

void Director::start(core::TimeNs now, Targets& targets) {
  targets.use_saved(&plan_.saved());
  targets_ = &targets;
  plan_.start(now);
  run_timeout_ = options_.run_timeout.value_or(static_cast<core::TimeNs>(plan_.size() + 2) *
                                               (plan_.size() > 0 ? timeout_of(0) : 0));
  run_deadline_ = now + run_timeout_;
}

std::optional<Played> Director::observe(std::string_view role, bool sent,
                                        const sip::Message& message, core::TimeNs time) {
  if (!plan_.started()) return std::nullopt;
  auto step = plan_.observe(role, sent, message, time);
  if (!step) return std::nullopt;
  Tracking t = plan_.tracking(*step);
  played_.push_back({*step, time, t == Tracking::action || t == Tracking::automatic});
  return played_.back();
}

void Director::fail(std::string message, std::optional<std::size_t> step) {
  errors_.push_back(std::move(message));
  if (step && !stuck_step_) stuck_step_ = step;
  stopped_ = true;
}

void Director::take_actor_errors() {
  for (auto& [role, actor] : actors_) {
    for (ActorError& e : actor->take_errors()) {
      if (e.fatal) {
        fail(std::move(e.message), e.step);
      } else {
        note(std::move(e.message));
      }
    }
  }
}

Action Director::make_action(std::size_t i) const {
  const scenario::Step& s = scenario_.steps[i];
  const Targets& t = *targets_;
  Action a;
  a.kind = plan_.verb(i);
  a.step = i;
  a.label = s.id + ": " + s.label() + " " + s.from + " -> " + s.to;
  a.dialog = plan_.dialog(i);
  a.deadline = plan_.armed_at(i).value_or(0) + timeout_of(i);
  if (s.action) a.press = s.action->press;
  a.content.headers = t.headers(i);
  a.content.sdp_preset = t.sdp_preset(i);
  if (auto body = t.body(i); body && !a.content.sdp_preset) {
    a.content.type = body->first;
    a.content.body = body->second;
  }
  if (!a.dialog.empty()) a.call_id = plan_.call_id(s.from, a.dialog).value_or("");
  switch (a.kind) {
    case ActionKind::dial:
      a.detail = Dial{t.request_uri(i), dials_by_refer(i), retries_after_challenge(i)};
      break;
    case ActionKind::ring:
    case ActionKind::answer:
    case ActionKind::reject: {
      const StepState& asked = plan_.state(*s.answers);
      a.call_id = asked.satisfied ? asked.call_id : std::string();
      a.detail = Respond{s.status, s.reason,
                         a.kind == ActionKind::answer ? asked.sdp : std::string(),
                         scenario_.steps[*s.answers].method};
      break;
    }
    case ActionKind::transfer:
      a.detail = Transfer{t.refer_to(i)};
      break;
    case ActionKind::digits:
      a.detail = Digits{dtmf_digits(a.content.body)};
      break;
    case ActionKind::request: {
      Request r{s.method, {}, false};
      // REGISTER goes to the registrar unless the step gives its own `uri:`.
      bool own_uri = s.method != "REGISTER" || (s.request_uri && !s.request_uri->match.empty());
      if (own_uri) r.uri = t.request_uri(i);
      r.ends_subscription = s.method == "NOTIFY" && t.notify_terminated(i);
      a.detail = std::move(r);
      break;
    }
    case ActionKind::reinvite:
    case ActionKind::hold:
    case ActionKind::resume:
    case ActionKind::hang_up:
    case ActionKind::cancel:
      break;
  }
  return a;
}

bool Director::stack_behind(std::size_t i) const {
  const std::string& role = scenario_.steps[i].from;
  for (std::size_t j = 0; j < i; ++j) {
    const scenario::Step& s = scenario_.steps[j];
    if (s.from != role || s.optional) continue;
    // The phone's stack: what it sends unasked, and its ringing (a verb it needs no command for).
    bool own = plan_.tracking(j) == Tracking::automatic ||
               (plan_.tracking(j) == Tracking::action && plan_.verb(j) == ActionKind::ring);
    if (!own) continue;
    if (!plan_.state(j).satisfied && plan_.armed_at(j)) return true;
  }
  return false;
}

bool Director::dials_by_refer(std::size_t i) const {
  const std::string& role = scenario_.steps[i].from;
  for (std::size_t j = i; j-- > 0;) {
    const scenario::Step& s = scenario_.steps[j];
    if (s.from == role && s.is_request() && s.method == "INVITE" &&
        plan_.tracking(j) == Tracking::action && plan_.verb(j) == ActionKind::dial) {
      return false;  // an earlier call of its own since
    }
    if (s.to == role && s.is_request() && s.method == "REFER") return true;
  }
  return false;
}

bool Director::retries_after_challenge(std::size_t i) const {
  const std::string& role = scenario_.steps[i].from;
  for (std::size_t j = i; j-- > 0;) {
    const scenario::Step& s = scenario_.steps[j];
    if (s.from != role || !s.is_request() || s.method != "INVITE") continue;
    // The role's previous INVITE: did the ladder challenge it?
    for (std::size_t k = j + 1; k < i; ++k) {
      const scenario::Step& r = scenario_.steps[k];
      if (r.to == role && !r.is_request() && (r.status == 401 || r.status == 407) &&
          r.answers && *r.answers == j) {
        return true;
      }
    }
    return false;
  }
  return false;
}

std::string Director::seconds_since_start(core::TimeNs t) const {
  core::TimeNs d = t - plan_.start_time().value_or(t);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(d) / 1e9);
  return buf;
}

void Director::fire_due(core::TimeNs now) {
  if (stopped_ || !plan_.started()) return;
  for (std::size_t i : plan_.due(now)) {
    const scenario::Step& s = scenario_.steps[i];
    auto actor = actors_.find(s.from);
    if (actor == actors_.end()) continue;
    if (driven_.contains(s.from) && stack_behind(i)) continue;
    if (driven_.contains(s.from) && plan_.verb(i) == ActionKind::dial &&
        retries_after_challenge(i)) {
      // A phone answers a 401/407 itself (its account holds the credentials): a command here
      // would place a second call whenever it came before the phone's own retry was seen.
      plan_.mark_fired(i, now);
      continue;
    }
    Outcome out = actor->second->perform(make_action(i));
    switch (out.status) {
      case Outcome::Status::done:
        plan_.mark_fired(i, now);
        break;
      case Outcome::Status::not_ready:
        plan_.state(i).not_ready = std::move(out.reason);
        break;
      case Outcome::Status::cannot:
        fail(s.from + " cannot perform " + s.describe() + ": " + out.reason, i);
        return;
    }
  }
}

void Director::fail_overdue(std::size_t i) {
  const scenario::Step& s = scenario_.steps[i];
  std::string in = within(timeout_of(i));
  const StepState& st = plan_.state(i);
  switch (plan_.tracking(i)) {
    case Tracking::expect:
      if (!stuck_step_ || *stuck_step_ == i) unseen_error_ = errors_.size();
      fail(s.to + " never received " + s.describe() + in, i);
      break;
    case Tracking::action:
      if (auto actor = actors_.find(s.from); st.fired && actor != actors_.end()) {
        if (auto sent = actor->second->sent(i)) {
          // A driven device that ignored its command: say which and when.
          fail(sent->what + " sent at " + seconds_since_start(sent->at) + "; no " + s.describe() +
                   in,
               i);
          break;
        }
      }
      if (!st.fired && !st.not_ready.empty()) {
        fail(s.from + " could not send " + s.describe() + in + ": " + st.not_ready, i);
      } else {
        fail(s.from + " never sent " + s.describe() + in, i);
      }
      break;
    default:
      fail(s.from + "'s SIP stack never sent " + s.describe() + in, i);
      break;
  }
}

bool Director::over(core::TimeNs now) {
  if (stopped_) return true;
  if (!linger_until_ && plan_.complete()) linger_until_ = now + options_.linger;
  if (linger_until_) return now >= *linger_until_;
  if (auto late = plan_.overdue(now, [&](std::size_t i) { return timeout_of(i); })) {
    fail_overdue(*late);
    return true;
  }
  if (run_deadline_ && now >= *run_deadline_) {
    auto w = plan_.waiting_for();
    fail("the scenario did not finish" + within(run_timeout_) +
             (w ? "; waiting for " + scenario_.steps[*w].describe() : std::string()),
         w);
    return true;
  }
  return false;
}

std::optional<core::TimeNs> Director::next_wake(core::TimeNs now) const {
  if (stopped_) return now;
  std::optional<core::TimeNs> wake =
      plan_.next_wake([this](std::size_t i) { return timeout_of(i); });
  auto consider = [&wake](core::TimeNs t) { wake = wake ? std::min(*wake, t) : t; };
  if (linger_until_) {
    consider(*linger_until_);
  } else if (run_deadline_) {
    consider(*run_deadline_);
  }
  return wake;
}

}  // namespace ladder::engine
