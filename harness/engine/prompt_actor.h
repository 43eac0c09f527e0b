// Private: the `prompt` driver, for a phone no driver can reach. On each verb it tells the
// operator at the terminal what to do ("A: answer the call now (F5: 200 A -> P); Enter when
// done, s to skip") and waits for their line on the engine's loop (Loop::watch on the terminal,
// never a blocking read, never a thread), up to the step's deadline. The wire still decides:
// Enter only says the operator is done, the capture shows whether the phone did it.
//
// - Enter: done (an OperatorEvent); the next verb for this role is asked after it.
// - s (then Enter): the operator cannot do it on this phone: the run stops at that step,
//   failing it as "skipped by the operator" (the steps after it could not happen either).
// - nothing by the step's deadline: the step fails as any step not seen in time; the prompt
//   says so and is withdrawn.
// - end of input (the terminal closed): the run stops.
//
// FallbackActor puts a prompt behind another driver (`fallback: prompt` in the testbed): the
// verbs that driver answers `cannot` go to the operator instead, with the driver's reason.
//
// Threading: the engine's thread; writes to the terminal with write(2) (short lines).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/actor.h"
#include "engine/loop.h"

namespace ladder::engine {

/// One question to the operator, or their answer (or its absence), at loop time: a driver
/// event (core/driver_event.h), for the reports beside the wire messages. driver "prompt";
/// name "asked", "done", "skipped", "no answer"; detail "answer the call now (F5: 200 A -> P)".
using OperatorEvent = core::DriverEvent;

struct PromptOptions {
  int in_fd = 0;   ///< the operator's terminal (standard input); the caller checks it is a tty
  int out_fd = 2;  ///< where prompts go (standard error: standard output keeps the reports)
};

/// What a verb asks of the operator: "answer the call now". Empty: nothing to ask (a phone
/// rings by itself).
std::string instruction(const Action& action);

class PromptActor : public Actor {
 public:
  /// `address`: the phone's SIP address (the testbed's `dut:`).
  static std::expected<std::unique_ptr<PromptActor>, std::string> create(
      std::string role, core::Endpoint address, Loop& loop, PromptOptions options = {});
  ~PromptActor() override;

  Outcome perform(const Action& action) override { return ask(action, {}); }
  /// As perform(), saying why the operator is asked (`because`: another driver's reason).
  Outcome ask(const Action& action, const std::string& because);
  std::optional<core::Endpoint> bound() const override { return address_; }
  std::vector<ActorError> take_errors() override;
  void begin_teardown() override;
  bool teardown_step() override { return true; }

  /// The operator's events since the last call, each returned once.
  std::vector<OperatorEvent> take_events() override { return std::exchange(events_, {}); }

 private:
  PromptActor(std::string role, core::Endpoint address, Loop& loop, PromptOptions options);
  void on_input();
  void on_deadline();
  void say(const std::string& line);
  void event(std::string name);

  std::string role_;
  core::Endpoint address_;
  Loop& loop_;
  PromptOptions options_;
  Registration input_;
  Registration timer_;
  std::optional<Action> pending_;  ///< asked, not yet answered
  std::string typed_;              ///< a partial line
  std::vector<ActorError> errors_;
  std::vector<OperatorEvent> events_;
};

/// `primary`, with the verbs it cannot do handed to `prompt`.
class FallbackActor : public Actor {
 public:
  FallbackActor(std::unique_ptr<Actor> primary, std::unique_ptr<PromptActor> prompt)
      : primary_(std::move(primary)), prompt_(std::move(prompt)) {}
  Outcome perform(const Action& action) override;
  std::optional<core::Endpoint> bound() const override { return primary_->bound(); }
  std::vector<ActorError> take_errors() override;
  bool ready() const override { return primary_->ready(); }
  std::vector<core::DriverEvent> take_events() override {
    std::vector<core::DriverEvent> out = primary_->take_events();
    for (core::DriverEvent& e : prompt_->take_events()) out.push_back(std::move(e));
    return out;
  }
  std::optional<Sent> sent(std::size_t step) const override { return primary_->sent(step); }
  void begin_teardown() override;
  bool teardown_step() override;
  const PromptActor& prompt() const { return *prompt_; }

 private:
  std::unique_ptr<Actor> primary_;
  std::unique_ptr<PromptActor> prompt_;
  bool primary_done_ = false;
};

}  // namespace ladder::engine
