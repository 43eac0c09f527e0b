// Private: the `baresip` driver. Makes a baresip 1.0 process act as a handset DUT through its
// ctrl_tcp module (ctrl_tcp.h): one TCP connection, opened without blocking when the run starts
// and kept open (baresip sends its events only to a connected client), commands out, responses
// and events in.
//
// Verbs: dial -> `dial URI`, answer -> `accept`, reject 486 -> `hangup` (baresip 1.0 rejects an
// incoming call with 486 and nothing else), hang up / cancel -> `hangup`, hold -> `hold`,
// resume -> `resume`, re-INVITE -> `reinvite`, blind transfer -> `transfer URI`. What the phone
// does by itself needs no command: 180 Ringing, the NOTIFYs of a REFER it got, and the
// transferee's call to the target (baresip's menu places it on the REFER). What 1.0 cannot do
// (other reject codes, DTMF as SIP INFO, arbitrary requests) is Outcome::cannot with the reason.
// Commands act on baresip's newest call: with several calls, `callfind CALL-ID` goes first.
//
// Threading: the engine's thread; the socket and the timers are on the engine's Loop.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/core.h"
#include "engine/actor.h"
#include "engine/ctrl_tcp.h"
#include "engine/loop.h"

namespace ladder::engine {

struct BaresipOptions {
  std::string role;        ///< "A"
  core::Endpoint control;  ///< ctrl_tcp's address
  core::Endpoint phone;    ///< the phone's SIP address (the testbed's)
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds teardown_timeout{2000};
};

class BaresipActor final : public Actor {
 public:
  /// Starts connecting at once (non-blocking); ready() once connected, else a fatal error.
  /// The loop must outlive the actor.
  static std::expected<std::unique_ptr<BaresipActor>, std::string> create(BaresipOptions options,
                                                                          Loop& loop);
  ~BaresipActor() override;
  BaresipActor(const BaresipActor&) = delete;
  BaresipActor& operator=(const BaresipActor&) = delete;

  Outcome perform(const Action& action) override;
  std::optional<core::Endpoint> bound() const override { return options_.phone; }
  std::vector<ActorError> take_errors() override { return std::exchange(errors_, {}); }
  bool ready() const override { return state_ == State::connected; }
  std::vector<core::DriverEvent> take_events() override { return std::exchange(events_, {}); }
  std::optional<Sent> sent(std::size_t step) const override;
  void begin_teardown() override;
  bool teardown_step() override;

 private:
  enum class State : std::uint8_t { connecting, connected, closed };
  BaresipActor(BaresipOptions options, Loop& loop) : options_(std::move(options)), loop_(loop) {}
  std::expected<void, std::string> start_connect();
  void on_connected();
  void on_readable();
  void on_writable();
  void handle(const ctrl_tcp::Message& m);
  /// Sends `name params` (for `step`, if any): queued, flushed as the socket takes it.
  void send(const std::string& name, const std::string& params, std::optional<std::size_t> step);
  void flush();
  void select_call(const std::string& call_id);
  void fail(std::string message, std::optional<std::size_t> step = std::nullopt);
  void close_socket();
  std::string who() const { return options_.role + " (baresip)"; }
  std::string who_at() const {
    return options_.role + " (baresip at " + options_.control.to_string() + ")";
  }

  BaresipOptions options_;
  Loop& loop_;
  int fd_ = -1;
  State state_ = State::connecting;
  Registration readable_, writable_, connect_timer_;
  ctrl_tcp::Reader reader_;
  std::string out_;
  unsigned next_token_ = 1;
  std::map<std::string, std::optional<std::size_t>> pending_;  ///< token -> step
  std::map<std::size_t, Sent> sent_;
  std::set<std::string> calls_;  ///< Call-IDs of calls baresip has open (from its events)
  std::vector<ActorError> errors_;
  std::vector<core::DriverEvent> events_;
  bool tearing_down_ = false;
  core::TimeNs teardown_deadline_ = 0;
};

}  // namespace ladder::engine
