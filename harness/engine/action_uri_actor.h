// Private: the `action-uri` driver. Makes a Yealink-style handset act through its HTTP remote
// control ("Action URI": GET BASE/servlet?key=...), and learns what the phone did from the
// phone's own HTTP calls to the harness ("Action URL": GET /event/NAME?call_id=...), served
// by an ActionUrlListener on the same loop. HTTP out goes through HttpClient (libcurl multi on
// the Loop); one command at a time, in order, each with a deadline.
//
// Verbs: dial -> `key=number=URI` (+ `outgoing_uri=` when the testbed names an account),
// answer -> `key=ASW:<id>` (`OK` while no call id is known), reject -> `key=CANCEL:<id>`,
// hang up / cancel -> `key=CALLEND`, hold -> `key=HOLD:<id>`, resume -> `key=UNHOLD:<id>`,
// DTMF -> the digit keys, a step's `action: {press: [...]}` -> those keys in order. With a
// listener, answer and reject wait until the phone said `incoming`: the run knows the phone's
// state from its events, without polling. What the phone does by itself (180, ACK, the NOTIFYs
// and the new call of a transferee) needs no command. Blind transfer is key presses on these
// phones: without `press:` it is Outcome::cannot with what to write.
//
// Before the run: one probe request (BASE + servlet path, no key) with the credentials. No
// answer, connection refused, HTTP 401/403: a fatal ActorError naming the phone and what to
// check (the run ends with exit 3). The password never leaves HttpRequest: not in URLs,
// messages, events or reports.
//
// Threading: the engine's thread; sockets and timers on the engine's Loop.
#pragma once

#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/core.h"
#include "engine/action_url.h"
#include "engine/actor.h"
#include "engine/http_client.h"
#include "engine/loop.h"

namespace ladder::engine {

struct ActionUriOptions {
  std::string role;      ///< "A"
  core::Endpoint phone;  ///< the phone's SIP address (the testbed's)
  std::string base;      ///< "http://192.0.2.50" (no trailing '/')
  std::string servlet = "/servlet";
  HttpAuth auth = HttpAuth::none;
  std::string user, password;            ///< from the environment; never printed
  std::string user_env, password_env;    ///< the variables' names, for messages
  std::optional<core::Endpoint> listen;  ///< the Action URL listener's address
  std::string account;                   ///< `outgoing_uri=` of a dial; "" for the phone's default
  bool dial_user_only = false;           ///< dial the URI's user part, as typed on a keypad
  std::chrono::milliseconds request_timeout{3000};
  std::chrono::milliseconds teardown_timeout{2000};
};

class ActionUriActor final : public Actor {
 public:
  /// Binds the listener and sends the probe at once (without blocking): ready() once the phone
  /// answered it, else a fatal error. The loop must outlive the actor.
  static std::expected<std::unique_ptr<ActionUriActor>, std::string> create(
      ActionUriOptions options, Loop& loop);
  ~ActionUriActor() override;
  ActionUriActor(const ActionUriActor&) = delete;
  ActionUriActor& operator=(const ActionUriActor&) = delete;

  Outcome perform(const Action& action) override;
  std::optional<core::Endpoint> bound() const override { return options_.phone; }
  std::vector<ActorError> take_errors() override { return std::exchange(errors_, {}); }
  bool ready() const override { return ready_; }
  std::vector<core::DriverEvent> take_events() override { return std::exchange(events_, {}); }
  std::optional<Sent> sent(std::size_t step) const override;
  void begin_teardown() override;
  bool teardown_step() override;

  /// Where the Action URL listener listens (its port once bound), if there is one.
  std::optional<core::Endpoint> listening() const;

 private:
  struct Command {
    std::string query;  ///< "key=OK", "key=number=sip%3Abob%40x&outgoing_uri=..."
    std::string what;   ///< "dial sip:bob@example.test": the verb, for messages
    std::optional<std::size_t> step;
    core::TimeNs deadline = 0;  ///< the step's; 0: none beyond the request timeout
  };
  ActionUriActor(ActionUriOptions options, Loop& loop)
      : options_(std::move(options)), loop_(loop) {}
  void probe();
  void on_hit(const HttpTarget& t);
  void queue(std::string query, std::string what, const Action* a);
  void queue_keys(const std::vector<std::string>& keys, std::string what, const Action& a);
  void next();
  void on_answer(const Command& c, const HttpResponse& r);
  /// A call id for per-call keys: `sip_call_id` if the phone's events named it, else the
  /// newest call in `state` (any state when empty); "" if none.
  std::string pick_call(const std::string& sip_call_id, const std::string& state) const;
  /// pick_call, else the newest call in any state.
  std::string pick_open_call(const std::string& sip_call_id, const std::string& state) const;
  std::string who() const { return options_.role + " (action-uri)"; }
  std::string who_at() const { return options_.role + " (action-uri at " + options_.base + ")"; }
  std::string check_credentials() const;
  void fail(std::string message, std::optional<std::size_t> step = std::nullopt) {
    errors_.push_back({std::move(message), true, step});
  }

  ActionUriOptions options_;
  Loop& loop_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<ActionUrlListener> listener_;
  bool ready_ = false;
  bool broken_ = false;  ///< a fatal error was reported: send nothing more
  std::deque<Command> queue_;
  bool in_flight_ = false;
  std::map<std::size_t, Sent> sent_;
  /// The phone's calls as its events say: call id -> state ("incoming", "established" ...),
  /// with the order they appeared in.
  std::map<std::string, std::string> calls_;
  std::vector<std::string> call_order_;
  std::vector<ActorError> errors_;
  std::vector<core::DriverEvent> events_;
  bool tearing_down_ = false;
  core::TimeNs teardown_deadline_ = 0;
};

}  // namespace ladder::engine
