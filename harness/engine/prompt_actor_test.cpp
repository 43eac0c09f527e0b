// The prompt driver's logic on the real loop, with pipes for the operator's terminal (the
// pseudo-terminal run through the `ladder` binary is in cli/bench_test.cpp).
#include "engine/prompt_actor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/su_loop.h"

namespace ladder::engine {
namespace {

struct Pipe {
  int fds[2] = {-1, -1};
  Pipe() {
    EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
  std::string drain() {
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
  void type(const std::string& s) {
    EXPECT_EQ(::write(fds[1], s.data(), s.size()), static_cast<ssize_t>(s.size()));
  }
};

class Prompt : public ::testing::Test {
 protected:
  void SetUp() override {
    auto l = SuLoop::create();
    ASSERT_TRUE(l) << l.error();
    loop_ = std::move(*l);
    auto p = PromptActor::create("A", *core::Endpoint::parse("127.0.0.1:5060"), *loop_,
                                 {keyboard_.fds[0], screen_.fds[1]});
    ASSERT_TRUE(p) << p.error();
    prompt_ = std::move(*p);
  }
  Action answer(std::size_t step, core::TimeNs in_ns = 5'000'000'000) {
    Action a;
    a.kind = ActionKind::answer;
    a.step = step;
    a.label = "F5: 200 A -> P";
    a.deadline = loop_->now() + in_ns;
    a.detail = Respond{200, std::nullopt, ""};
    return a;
  }
  bool step_until(const std::function<bool()>& done) {
    core::TimeNs end = loop_->now() + 2'000'000'000;
    while (!done() && loop_->now() < end) loop_->step(10);
    return done();
  }
  Pipe keyboard_, screen_;
  std::unique_ptr<SuLoop> loop_;
  std::unique_ptr<PromptActor> prompt_;
};

TEST_F(Prompt, AsksWaitsForEnterAndAsksTheNextVerbOnlyAfterIt) {
  EXPECT_EQ(prompt_->perform(answer(4)).status, Outcome::Status::done);
  EXPECT_EQ(screen_.drain(), "A: answer the call now (F5: 200 A -> P); Enter when done, s to skip\n");
  Action bye;
  bye.kind = ActionKind::hang_up;
  bye.step = 6;
  bye.label = "F7: BYE A -> P";
  Outcome busy = prompt_->perform(bye);
  EXPECT_EQ(busy.status, Outcome::Status::not_ready);
  EXPECT_EQ(busy.reason, "waiting for the operator (F5: 200 A -> P)");
  keyboard_.type("\n");
  std::vector<OperatorEvent> events;
  ASSERT_TRUE(step_until([&] {
    for (auto& e : prompt_->take_events()) events.push_back(e);
    return events.size() == 2;
  }));
  EXPECT_EQ(events[0].name, "asked");
  EXPECT_EQ(events[0].detail, "answer the call now (F5: 200 A -> P)");
  EXPECT_EQ(events[0].driver, "prompt");
  EXPECT_EQ(events[1].name, "done");
  EXPECT_EQ(events[1].role, "A");
  EXPECT_EQ(events[1].detail, "answer the call now (F5: 200 A -> P)");
  EXPECT_GE(events[1].time, events[0].time);
  EXPECT_EQ(prompt_->perform(bye).status, Outcome::Status::done);
  EXPECT_EQ(screen_.drain(), "A: hang up now (F7: BYE A -> P); Enter when done, s to skip\n");
  EXPECT_TRUE(prompt_->take_errors().empty());
}

TEST_F(Prompt, SkipStopsTheRunAtThatStep) {
  prompt_->perform(answer(4));
  keyboard_.type("s\n");
  std::vector<ActorError> errors;
  ASSERT_TRUE(step_until([&] {
    for (auto& e : prompt_->take_errors()) errors.push_back(e);
    return !errors.empty();
  }));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message, "A (prompt): the operator skipped F5: 200 A -> P (answer the call now)");
  EXPECT_TRUE(errors[0].fatal);
  EXPECT_EQ(errors[0].step, 4u);
}

TEST_F(Prompt, NoAnswerByTheDeadlineWithdrawsThePrompt) {
  prompt_->perform(answer(4, 100'000'000));
  screen_.drain();
  std::vector<OperatorEvent> events;
  ASSERT_TRUE(step_until([&] {
    for (auto& e : prompt_->take_events()) events.push_back(e);
    return events.size() == 2;
  }));
  EXPECT_EQ(events[1].name, "no answer");
  EXPECT_EQ(screen_.drain(),
            "A: no answer by the deadline; F5: 200 A -> P fails if the wire did not show it\n");
  // A late Enter answers nothing; the next verb is asked at once.
  keyboard_.type("\n");
  loop_->step(20);
  EXPECT_TRUE(prompt_->take_events().empty());
  EXPECT_EQ(prompt_->perform(answer(8)).status, Outcome::Status::done);
}

TEST_F(Prompt, EndOfInputStopsTheRun) {
  prompt_->perform(answer(4));
  ::close(keyboard_.fds[1]);
  keyboard_.fds[1] = ::open("/dev/null", O_WRONLY);  // keep the fd valid for the destructor
  std::vector<ActorError> errors;
  ASSERT_TRUE(step_until([&] {
    for (auto& e : prompt_->take_errors()) errors.push_back(e);
    return !errors.empty();
  }));
  EXPECT_EQ(errors[0].message,
            "A (prompt): the terminal closed (end of input) while waiting for F5: 200 A -> P");
  EXPECT_TRUE(errors[0].fatal);
}

TEST(PromptWords, EachVerbSaysWhatToDo) {
  Action a;
  a.kind = ActionKind::dial;
  a.detail = Dial{"sip:bob@example.test"};
  EXPECT_EQ(instruction(a), "call sip:bob@example.test now");
  a.kind = ActionKind::reject;
  a.detail = Respond{486, std::nullopt, ""};
  EXPECT_EQ(instruction(a), "reject the call as busy now");
  a.detail = Respond{603, std::nullopt, ""};
  EXPECT_EQ(instruction(a), "decline the call now");
  a.kind = ActionKind::transfer;
  a.detail = Transfer{"<sip:carol@example.test>"};
  EXPECT_EQ(instruction(a), "transfer the call to <sip:carol@example.test> (blind transfer) now");
  a.kind = ActionKind::digits;
  a.detail = Digits{"12#"};
  EXPECT_EQ(instruction(a), "press 12# now");
  a.kind = ActionKind::ring;
  a.detail = Respond{180, std::nullopt, ""};
  EXPECT_EQ(instruction(a), "");  // a phone rings by itself: nothing to ask
}

// A driver that has no attended transfer, for the fallback.
class NoTransfer : public Actor {
 public:
  Outcome perform(const Action& a) override {
    ++performed;
    if (a.kind == ActionKind::transfer) return Outcome::cannot("baresip 1.0 has no such verb");
    return Outcome::done();
  }
  std::optional<core::Endpoint> bound() const override {
    return core::Endpoint::parse("127.0.0.1:5070");
  }
  std::vector<ActorError> take_errors() override { return {}; }
  void begin_teardown() override {}
  bool teardown_step() override { return true; }
  int performed = 0;
};

TEST_F(Prompt, FallbackAsksTheOperatorOnlyForWhatTheDriverCannot) {
  auto primary = std::make_unique<NoTransfer>();
  NoTransfer* raw = primary.get();
  FallbackActor both(std::move(primary), std::move(prompt_));
  EXPECT_EQ(both.perform(answer(4)).status, Outcome::Status::done);
  EXPECT_EQ(screen_.drain(), "");  // the driver did it
  Action t;
  t.kind = ActionKind::transfer;
  t.step = 9;
  t.label = "F10: REFER A -> P";
  t.detail = Transfer{"<sip:carol@example.test>"};
  EXPECT_EQ(both.perform(t).status, Outcome::Status::done);
  EXPECT_EQ(raw->performed, 2);
  EXPECT_EQ(screen_.drain(),
            "A: transfer the call to <sip:carol@example.test> (blind transfer) now (F10: REFER A "
            "-> P) [baresip 1.0 has no such verb]; Enter when done, s to skip\n");
  EXPECT_EQ(both.bound()->to_string(), "127.0.0.1:5070");
}

}  // namespace
}  // namespace ladder::engine
