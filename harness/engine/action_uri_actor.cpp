#include "engine/action_uri_actor.h"

#include <algorithm>

namespace ladder::engine {
namespace {

constexpr core::TimeNs kMs = 1'000'000;

/// The events that end a call on the phone (Yealink's Action URL names and their usual paths).
bool ends_call(const std::string& name) {
  return name == "terminated" || name == "call_terminated" || name == "missed" ||
         name == "missed_call" || name == "busy_to_idle" || name == "idle" ||
         name == "call_remote_canceled" || name == "rejected";
}

std::string one_line(std::string s, std::size_t max = 200) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

std::string user_part(const std::string& uri) {
  std::size_t colon = uri.find(':');
  std::size_t at = uri.find('@');
  if (colon == std::string::npos || at == std::string::npos || at < colon) return uri;
  return uri.substr(colon + 1, at - colon - 1);
}

}  // namespace

std::expected<std::unique_ptr<ActionUriActor>, std::string> ActionUriActor::create(
    ActionUriOptions options, Loop& loop) {
  std::unique_ptr<ActionUriActor> a(new ActionUriActor(std::move(options), loop));
  auto http = HttpClient::create(loop);
  if (!http) return std::unexpected(a->who() + ": " + http.error());
  a->http_ = std::move(*http);
  if (a->options_.listen) {
    ActionUriActor* self = a.get();
    auto l = ActionUrlListener::create(
        loop, *a->options_.listen, [self](const HttpTarget& t) { self->on_hit(t); },
        [self](const std::string& why) {
          self->errors_.push_back({self->who() + ": Action URL listener: " + why, false, {}});
        });
    if (!l) return std::unexpected(a->who() + ": " + l.error());
    a->listener_ = std::move(*l);
  }
  a->probe();
  return a;
}

ActionUriActor::~ActionUriActor() {
  // The client first: its callbacks point into this object.
  http_.reset();
  listener_.reset();
}

std::optional<core::Endpoint> ActionUriActor::listening() const {
  if (!listener_) return std::nullopt;
  return listener_->bound();
}

std::string ActionUriActor::check_credentials() const {
  if (options_.auth == HttpAuth::none) {
    return "; the phone wants a login: give the driver `user_env:` and `password_env:`";
  }
  return "; check the user and password in $" + options_.user_env + " and $" +
         options_.password_env + " (the phone's web login)";
}

void ActionUriActor::probe() {
  HttpRequest q;
  q.url = options_.base + options_.servlet;
  q.auth = options_.auth;
  q.user = options_.user;
  q.password = options_.password;
  q.timeout = options_.request_timeout;
  bool started = http_->get(q, [this](const HttpResponse& r) {
    if (r.status >= 200 && r.status < 300) {
      ready_ = true;
      return;
    }
    broken_ = true;
    std::string at = who_at();
    if (r.refused) {
      fail(at +
           ": connection refused; is the phone on, at that address, with Action URI "
           "enabled (features.action_uri.enable=1)?");
    } else if (r.timed_out) {
      fail(at + ": no answer within " + std::to_string(options_.request_timeout.count()) +
           " ms; is the phone reachable from here, and is this host in its "
           "features.action_uri_limit_ip?");
    } else if (r.status == 401) {
      fail(at + ": HTTP 401 Unauthorized" + check_credentials());
    } else if (r.status == 403) {
      fail(at +
           ": HTTP 403 Forbidden; add this host to the phone's features.action_uri_limit_ip "
           "and enable Action URI (features.action_uri.enable=1)");
    } else if (r.status != 0) {
      fail(at + ": HTTP " + std::to_string(r.status) + " to " + options_.servlet +
           "; is the servlet path right (`servlet:` in the driver; older firmware: "
           "/cgi-bin/ConfigManApp.com)?");
    } else {
      fail(at + ": " + one_line(r.error));
    }
  });
  if (!started) {
    broken_ = true;
    fail(who_at() + ": libcurl cannot start a request to " + options_.base);
  }
}

void ActionUriActor::on_hit(const HttpTarget& t) {
  // "/event/incoming" -> "incoming"; anything else is shown as its path.
  std::string name = t.path.starts_with("/event/") ? t.path.substr(7) : t.path;
  std::string call_id;
  if (auto it = t.query.find("call_id"); it != t.query.end()) call_id = it->second;
  std::string detail;
  for (const auto& [k, v] : t.query) {
    if (k == "call_id") continue;
    detail += (detail.empty() ? "" : " ") + k + "=" + v;
  }
  events_.push_back({loop_.now(), options_.role, "action-uri", one_line(name, 64), one_line(detail),
                     one_line(call_id, 128)});
  if (call_id.empty()) return;
  if (ends_call(name)) {
    calls_.erase(call_id);
    std::erase(call_order_, call_id);
    return;
  }
  if (!calls_.contains(call_id)) call_order_.push_back(call_id);
  if (name == "hold" || name == "held") {
    calls_[call_id] = "held";
  } else if (name == "unhold" || name == "answered" || name == "established" ||
             name == "call_established") {
    calls_[call_id] = "established";
  } else if (name == "incoming" || name == "incoming_call") {
    calls_[call_id] = "incoming";
  } else if (name == "outgoing" || name == "outgoing_call" || name == "ringback" ||
             name == "calling") {
    calls_[call_id] = "outgoing";
  } else if (!calls_.contains(call_id)) {
    calls_[call_id] = name;
  }
}

std::string ActionUriActor::pick_call(const std::string& sip_call_id,
                                      const std::string& state) const {
  if (!sip_call_id.empty() && calls_.contains(sip_call_id)) return sip_call_id;
  for (auto it = call_order_.rbegin(); it != call_order_.rend(); ++it) {
    auto c = calls_.find(*it);
    if (c != calls_.end() && (state.empty() || c->second == state)) return *it;
  }
  return {};
}

std::string ActionUriActor::pick_open_call(const std::string& sip_call_id,
                                           const std::string& state) const {
  std::string id = pick_call(sip_call_id, state);
  return id.empty() ? pick_call({}, {}) : id;
}

void ActionUriActor::queue(std::string query, std::string what, const Action* a) {
  Command c{std::move(query), std::move(what), std::nullopt, 0};
  if (a != nullptr) {
    c.step = a->step;
    c.deadline = a->deadline;
    sent_[a->step] = {who() + ": " + c.what, loop_.now()};
  }
  queue_.push_back(std::move(c));
  next();
}

void ActionUriActor::queue_keys(const std::vector<std::string>& keys, std::string what,
                                const Action& a) {
  // One request per key, in order: a chain of keys in one request is not read alike by every
  // firmware, and a key the phone refuses is then named.
  sent_[a.step] = {who() + ": " + what, loop_.now()};
  for (const std::string& k : keys) {
    queue_.push_back({"key=" + url_encode(k), what + " (key " + k + ")", a.step, a.deadline});
  }
  next();
}

void ActionUriActor::next() {
  if (in_flight_ || queue_.empty() || broken_ || !ready_) return;
  const Command& c = queue_.front();
  HttpRequest q;
  q.url = options_.base + options_.servlet + "?" + c.query;
  q.auth = options_.auth;
  q.user = options_.user;
  q.password = options_.password;
  q.timeout = options_.request_timeout;
  if (c.deadline != 0) {
    // Never past the step's own deadline: by then the step has failed anyway.
    core::TimeNs left = c.deadline - loop_.now();
    auto ms = std::chrono::milliseconds(std::max<core::TimeNs>(left / kMs, 100));
    q.timeout = std::min(q.timeout, ms);
  }
  in_flight_ = true;
  bool started = http_->get(q, [this](const HttpResponse& r) {
    in_flight_ = false;
    Command done = std::move(queue_.front());
    queue_.pop_front();
    on_answer(done, r);
    next();
  });
  if (!started) {
    in_flight_ = false;
    Command c2 = std::move(queue_.front());
    queue_.pop_front();
    fail(who_at() + ": libcurl cannot start a request for " + c2.what, c2.step);
  }
}

void ActionUriActor::on_answer(const Command& c, const HttpResponse& r) {
  if (r.status >= 200 && r.status < 300) return;
  if (tearing_down_) return;  // leaving the phone idle is best effort
  std::string what = who_at() + ": " + c.what;
  if (r.refused) {
    fail(what + ": connection refused; did the phone restart or lose its network?", c.step);
  } else if (r.timed_out) {
    fail(what + ": no HTTP answer within " + std::to_string(options_.request_timeout.count()) +
             " ms",
         c.step);
  } else if (r.status == 401) {
    fail(what + ": HTTP 401 Unauthorized" + check_credentials(), c.step);
  } else if (r.status != 0) {
    fail(what + ": the phone answered HTTP " + std::to_string(r.status), c.step);
  } else {
    fail(what + ": " + one_line(r.error), c.step);
  }
  broken_ = true;
  queue_.clear();
}

Outcome ActionUriActor::perform(const Action& a) {
  if (broken_) return Outcome::cannot("the phone's Action URI failed (see the error before)");
  if (!ready_) return Outcome::not_ready("waiting for the phone's first answer");
  if (!a.press.empty()) {
    std::string keys;
    for (const std::string& k : a.press) keys += (keys.empty() ? "" : " ") + k;
    queue_keys(a.press, "press " + keys, a);
    return Outcome::done();
  }
  switch (a.kind) {
    case ActionKind::dial: {
      // A transferee's call to the target: the phone places it itself on the REFER.
      if (a.dial().by_refer) return Outcome::done();
      std::string number = options_.dial_user_only ? user_part(a.dial().uri) : a.dial().uri;
      std::string q = "key=number=" + url_encode(number);
      if (!options_.account.empty()) q += "&outgoing_uri=" + url_encode(options_.account);
      queue(std::move(q), "dial " + number, &a);
      return Outcome::done();
    }
    case ActionKind::ring:
      return Outcome::done();  // the phone rings by itself
    case ActionKind::answer:
    case ActionKind::reject: {
      std::string id = pick_call(a.call_id, "incoming");
      if (listener_ && id.empty()) {
        return Outcome::not_ready("waiting for the phone's Action URL /event/incoming");
      }
      bool answer = a.kind == ActionKind::answer;
      std::string key =
          answer ? (id.empty() ? "OK" : "ASW:" + id) : (id.empty() ? "CALLEND" : "CANCEL:" + id);
      if (!id.empty()) calls_[id] = answer ? "answering" : "rejecting";
      queue("key=" + url_encode(key), std::string(answer ? "answer" : "reject") + " (" + key + ")",
            &a);
      return Outcome::done();
    }
    case ActionKind::hang_up:
    case ActionKind::cancel:
      queue("key=CALLEND", std::string(to_string(a.kind)) + " (CALLEND)", &a);
      return Outcome::done();
    case ActionKind::hold:
    case ActionKind::resume: {
      bool hold = a.kind == ActionKind::hold;
      std::string id = pick_open_call(a.call_id, hold ? "established" : "held");
      std::string key = id.empty() ? "F_HOLD" : (hold ? "HOLD:" : "UNHOLD:") + id;
      queue("key=" + url_encode(key), std::string(hold ? "hold" : "resume") + " (" + key + ")", &a);
      return Outcome::done();
    }
    case ActionKind::digits: {
      std::vector<std::string> keys;
      for (char d : a.digits().digits) {
        if (d == '#') {
          keys.emplace_back("POUND");
        } else if ((d >= '0' && d <= '9') || d == '*') {
          keys.emplace_back(1, d);
        } else {
          return Outcome::cannot(std::string("the phone has no key for DTMF '") + d + "'");
        }
      }
      queue_keys(keys, "digits " + a.digits().digits, a);
      return Outcome::done();
    }
    case ActionKind::transfer:
      return Outcome::cannot(
          "a blind transfer on these phones is key presses: give the step "
          "`action: {press: [F_TRANSFER, <digits>, POUND]}` (or the keys your model uses)");
    case ActionKind::reinvite:
      return Outcome::cannot("Action URI has no command for a plain re-INVITE");
    case ActionKind::request:
      // The NOTIFYs about a REFER the phone got: its stack sends them by itself.
      if (a.request().method == "NOTIFY") return Outcome::done();
      return Outcome::cannot("Action URI has no command that sends a " + a.request().method);
  }
  return Outcome::cannot("unknown verb");
}

std::optional<Sent> ActionUriActor::sent(std::size_t step) const {
  auto it = sent_.find(step);
  if (it == sent_.end()) return std::nullopt;
  return it->second;
}

void ActionUriActor::begin_teardown() {
  tearing_down_ = true;
  teardown_deadline_ =
      loop_.now() + static_cast<core::TimeNs>(options_.teardown_timeout.count()) * kMs;
  // Drop what the run did not get to; leave the phone idle for whatever comes next.
  if (in_flight_ && !queue_.empty()) {
    queue_.erase(queue_.begin() + 1, queue_.end());
  } else {
    queue_.clear();
  }
  if (!ready_ || broken_) return;
  std::size_t open = std::min<std::size_t>(calls_.size(), 4);
  for (std::size_t i = 0; i < open; ++i) queue("key=CALLEND", "hang up (CALLEND)", nullptr);
}

bool ActionUriActor::teardown_step() {
  if (loop_.now() >= teardown_deadline_) return true;
  if (in_flight_ || (!queue_.empty() && !broken_)) return false;
  // With a listener: until the phone says its calls ended (it may take a moment to hang up).
  return !listener_ || calls_.empty() || broken_;
}

}  // namespace ladder::engine
