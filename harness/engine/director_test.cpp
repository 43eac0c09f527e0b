// The engine's firing logic through fake actors and a clock the test sets: no Sofia, no network,
// no sleeps. Times are plain nanoseconds from 0.
#include "engine/director.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "engine/testing/library.h"

namespace ladder::engine {
namespace {

constexpr core::TimeNs kSecond = 1'000'000'000;
constexpr core::TimeNs kLate = 1'000'000 * kSecond;  // a time when everything armed is due

/// An actor that records what it was asked to do and answers as the test says.
class FakeActor final : public Actor {
 public:
  Outcome perform(const Action& a) override {
    performed.push_back(a);
    return answer ? answer(a) : Outcome::done();
  }
  std::optional<core::Endpoint> bound() const override {
    return core::Endpoint{*core::Address::parse("127.0.0.1"), 5062};
  }
  std::vector<ActorError> take_errors() override {
    std::vector<ActorError> out;
    out.swap(errors);
    return out;
  }
  void begin_teardown() override {}
  bool teardown_step() override { return true; }
  std::optional<Sent> sent(std::size_t) const override { return sent_as; }

  std::vector<Action> performed;
  std::optional<Sent> sent_as;  ///< a driver's account of the command it sent
  std::function<Outcome(const Action&)> answer;
  std::vector<ActorError> errors;
};

sip::Message msg(const std::string& start, const std::string& call_id, const std::string& cseq,
                 const std::string& branch = "z9hG4bK1") {
  return sip::Message(start + "\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=" + branch +
                      "\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: " + call_id +
                      "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n");
}

const char* kTestbed = R"(
roles:
  A: {played_by: harness, bind: 127.0.0.1:0, user: alice}
  B: {played_by: harness, bind: 127.0.0.1:0, user: bob}
  C: {played_by: harness, bind: 127.0.0.1:0, user: carol}
  P: {dut: 127.0.0.1:5060, domain: ladder.test, kind: proxy}
)";

/// A ladder, a testbed, a Director with fake actors for A, B and C.
class DirectorTest : public ::testing::Test {
 protected:
  void load(const std::string& rel) {
    sc_ = testing::library_ladder(rel);
    ASSERT_FALSE(sc_.steps.empty()) << rel;
  }
  void load_text(const std::string& yaml) {
    auto r = scenario::load_scenario_text(yaml, "test.yaml");
    for (const auto& d : r.diagnostics) ADD_FAILURE() << d.format();
    ASSERT_TRUE(r.ok());
    sc_ = *r.scenario;
  }
  /// Starts at time 0 with `played` acting through a, b and c.
  void start(std::set<std::string, std::less<>> played, DirectorOptions o = {}) {
    auto tb = scenario::load_testbed_text(kTestbed, "testbed.yaml");
    ASSERT_TRUE(tb.ok());
    tb_ = *tb.testbed;
    targets_.emplace(sc_, tb_, scenario::bindings_from(tb_), std::string("P"));
    d_.emplace(sc_, played, o);
    for (auto [id, actor] : {std::pair<const char*, FakeActor*>{"A", &a_}, {"B", &b_}, {"C", &c_}}) {
      if (driven.contains(id)) {
        d_->drive(id, *actor);
      } else if (played.contains(id)) {
        d_->cast(id, *actor);
      }
    }
    d_->start(0, *targets_);
  }
  std::set<std::string, std::less<>> driven;  ///< roles cast as driven handsets
  std::size_t idx(const std::string& id) const { return *sc_.find_step(id); }
  std::vector<std::string> steps_of(const FakeActor& x) const {
    std::vector<std::string> out;
    for (const auto& a : x.performed) out.push_back(sc_.steps[a.step].id);
    return out;
  }

  scenario::Scenario sc_;
  scenario::Testbed tb_;
  std::optional<Targets> targets_;
  std::optional<Director> d_;
  FakeActor a_, b_, c_;
};

using Ids = std::vector<std::string>;

TEST_F(DirectorTest, CausalTriggerFiresOnlyAfterThePrerequisiteIsSeen) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  d_->fire_due(kLate);
  EXPECT_EQ(steps_of(a_), Ids{"F1"});
  ASSERT_EQ(a_.performed[0].kind, ActionKind::dial);
  EXPECT_EQ(a_.performed[0].dial().uri, "sip:bob@ladder.test");
  EXPECT_TRUE(b_.performed.empty());
  d_->fire_due(kLate);  // fired once only
  EXPECT_EQ(steps_of(a_), Ids{"F1"});
  // A's INVITE on the wire is not yet B's: B answers what it received.
  d_->observe("A", true, msg("INVITE sip:bob@ladder.test SIP/2.0", "c1", "1 INVITE"), kSecond);
  d_->fire_due(kLate);
  EXPECT_TRUE(b_.performed.empty());
  auto seen = d_->observe("B", false,
                          msg("INVITE sip:bob@ladder.test SIP/2.0", "c1", "1 INVITE", "z9hG4bK2"),
                          2 * kSecond);
  ASSERT_TRUE(seen.has_value());
  EXPECT_EQ(seen->step, idx("F3"));
  EXPECT_FALSE(seen->sent_by_harness);
  d_->fire_due(kLate);
  ASSERT_EQ(steps_of(b_), Ids{"F4"});  // 180, and not yet 200: one action of a role at a time
  const Action& ring = b_.performed[0];
  EXPECT_EQ(ring.kind, ActionKind::ring);
  EXPECT_EQ(ring.respond().status, 180);
  EXPECT_EQ(ring.call_id, "c1");
  EXPECT_EQ(ring.deadline, 2 * kSecond + 5 * kSecond);  // armed when B got the INVITE
  d_->fire_due(kLate);
  EXPECT_EQ(steps_of(b_), (Ids{"F4", "F6"}));
  EXPECT_EQ(b_.performed[1].kind, ActionKind::answer);
}

TEST_F(DirectorTest, AfterMakesARoleWaitForAStepItDidNotReceive) {
  load_text(R"(
name: after
roles: [A, B, C, P: proxy]
steps:
  - {id: F1, from: A, to: P, request: MESSAGE}
  - {id: F2, from: P, to: A, response: 200}
  - {id: F3, from: C, to: P, request: MESSAGE, after: F2}
  - {id: F4, from: P, to: C, response: 200}
)");
  start({"A", "C"});
  d_->fire_due(kLate);
  EXPECT_EQ(steps_of(a_), Ids{"F1"});
  EXPECT_TRUE(c_.performed.empty());  // C received nothing, but waits for F2
  d_->observe("A", true, msg("MESSAGE sip:x@ladder.test SIP/2.0", "m1", "1 MESSAGE"), kSecond);
  d_->fire_due(kLate);
  EXPECT_TRUE(c_.performed.empty());
  d_->observe("A", false, msg("SIP/2.0 200 OK", "m1", "1 MESSAGE"), 2 * kSecond);
  d_->fire_due(kLate);
  ASSERT_EQ(steps_of(c_), Ids{"F3"});
  EXPECT_EQ(c_.performed[0].kind, ActionKind::request);
  EXPECT_EQ(c_.performed[0].request().method, "MESSAGE");
}

TEST_F(DirectorTest, ADeadlineNamesTheStepAndWhoNeverReceivedIt) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  d_->fire_due(kLate);
  d_->observe("A", true, msg("INVITE sip:bob@ladder.test SIP/2.0", "c1", "1 INVITE"), kSecond);
  d_->observe("A", false, msg("SIP/2.0 100 Trying", "c1", "1 INVITE"), kSecond);
  EXPECT_FALSE(d_->over(6 * kSecond));  // F3 armed at 1 s: 5 s is not past yet
  EXPECT_FALSE(d_->stopped());
  EXPECT_TRUE(d_->over(6 * kSecond + 1));
  EXPECT_EQ(d_->errors(), Ids{"B never received F3 (INVITE P -> B) within 5s"});
  EXPECT_EQ(d_->stuck_step(), idx("F3"));
}

TEST_F(DirectorTest, ADeadlineSaysWhoNeverSentAnAction) {
  load("basic/successful-call.yaml");
  DirectorOptions o;
  o.step_timeout = 2 * kSecond;
  start({"A", "B"}, o);
  d_->fire_due(kLate);  // A performed F1, but nothing comes on the wire
  EXPECT_TRUE(d_->over(3 * kSecond));
  EXPECT_EQ(d_->errors(), Ids{"A never sent F1 (INVITE A -> P) within 2s"});
  EXPECT_EQ(d_->stuck_step(), idx("F1"));
}

TEST_F(DirectorTest, NotReadyIsAskedAgainThenPerformed) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  int asked = 0;
  a_.answer = [&](const Action&) {
    return ++asked < 3 ? Outcome::not_ready("no dialog yet") : Outcome::done();
  };
  d_->fire_due(kLate);
  EXPECT_EQ(d_->plan().state(idx("F1")).not_ready, "no dialog yet");
  EXPECT_FALSE(d_->plan().state(idx("F1")).fired);
  d_->fire_due(kLate);
  d_->fire_due(kLate);
  EXPECT_EQ(asked, 3);
  EXPECT_TRUE(d_->plan().state(idx("F1")).fired);
  EXPECT_EQ(d_->plan().state(idx("F1")).not_ready, "");
  d_->fire_due(kLate);
  EXPECT_EQ(asked, 3);
  EXPECT_FALSE(d_->stopped());
}

TEST_F(DirectorTest, NotReadyUntilTheDeadlineSaysWhy) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  a_.answer = [](const Action&) { return Outcome::not_ready("no dialog 'call' yet"); };
  d_->fire_due(kLate);
  EXPECT_TRUE(d_->over(5 * kSecond + 1));
  EXPECT_EQ(d_->errors(),
            Ids{"A could not send F1 (INVITE A -> P) within 5s: no dialog 'call' yet"});
}

TEST_F(DirectorTest, CannotPerformFailsAtOnceWithTheReason) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  a_.answer = [](const Action&) { return Outcome::cannot("this phone has no dial verb"); };
  d_->fire_due(kLate);
  EXPECT_TRUE(d_->stopped());
  EXPECT_TRUE(d_->over(1));  // long before any deadline
  EXPECT_EQ(d_->errors(), Ids{"A cannot perform F1 (INVITE A -> P): this phone has no dial verb"});
  EXPECT_EQ(d_->stuck_step(), idx("F1"));
  d_->fire_due(kLate);  // nothing more is performed once stopped
  EXPECT_EQ(a_.performed.size(), 1u);
}

TEST_F(DirectorTest, AnActorsFatalErrorStopsTheRunAtItsStep) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  d_->fire_due(kLate);
  a_.errors.push_back(
      {"A (fake): dial sent at 0.00 s; no INVITE A -> P within 5 s", true, idx("F1")});
  d_->take_actor_errors();
  EXPECT_TRUE(d_->stopped());
  EXPECT_TRUE(d_->over(kSecond));
  EXPECT_EQ(d_->errors(), Ids{"A (fake): dial sent at 0.00 s; no INVITE A -> P within 5 s"});
  EXPECT_EQ(d_->stuck_step(), idx("F1"));
  d_->take_actor_errors();  // taken once
  EXPECT_EQ(d_->errors().size(), 1u);
}

TEST_F(DirectorTest, AnActorsOtherErrorIsKeptAndTheRunGoesOn) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  b_.errors.push_back({"B: REGISTER rejected: 403 Forbidden", false, std::nullopt});
  d_->take_actor_errors();
  EXPECT_FALSE(d_->stopped());
  EXPECT_FALSE(d_->over(kSecond));
  EXPECT_EQ(d_->errors(), Ids{"B: REGISTER rejected: 403 Forbidden"});
  EXPECT_FALSE(d_->stuck_step().has_value());
}

TEST_F(DirectorTest, TheRunDeadlineNamesTheStepItWaitedFor) {
  load("basic/successful-call.yaml");
  DirectorOptions o;
  o.step_timeout = 60 * kSecond;
  o.run_timeout = 2 * kSecond;
  start({"A", "B"}, o);
  d_->fire_due(kLate);
  EXPECT_FALSE(d_->over(2 * kSecond - 1));
  EXPECT_TRUE(d_->over(2 * kSecond));
  EXPECT_EQ(d_->errors(),
            Ids{"the scenario did not finish within 2s; waiting for F1 (INVITE A -> P)"});
  EXPECT_EQ(d_->stuck_step(), idx("F1"));
}

TEST_F(DirectorTest, ACompleteRunLingersThenIsOver) {
  load_text(R"(
name: options
roles: [A, P: proxy]
steps:
  - {id: F1, from: A, to: P, request: OPTIONS}
  - {id: F2, from: P, to: A, response: 200}
)");
  DirectorOptions o;
  o.linger = kSecond;
  start({"A"}, o);
  d_->fire_due(kLate);
  d_->observe("A", true, msg("OPTIONS sip:ladder.test SIP/2.0", "o1", "1 OPTIONS"), 10);
  d_->observe("A", false, msg("SIP/2.0 200 OK", "o1", "1 OPTIONS"), 20);
  EXPECT_TRUE(d_->plan().complete());
  EXPECT_FALSE(d_->over(100));
  EXPECT_FALSE(d_->over(100 + kSecond - 1));
  EXPECT_TRUE(d_->over(100 + kSecond));
  EXPECT_TRUE(d_->errors().empty());
  ASSERT_EQ(d_->played().size(), 2u);
  EXPECT_TRUE(d_->played()[0].sent_by_harness);
}

// The verb comes from the ladder once: hold and resume re-INVITEs, a REFER is a transfer, a
// NOTIFY is a request saying whether it ends the subscription.
TEST_F(DirectorTest, ActionsAreTypedFromTheLadder) {
  load("hold/hold-resume.yaml");
  start({"A", "B"});
  EXPECT_EQ(d_->plan().verb(idx("F1")), ActionKind::dial);
  EXPECT_EQ(d_->plan().verb(idx("F10")), ActionKind::hold);
  EXPECT_EQ(d_->plan().verb(idx("F16")), ActionKind::resume);
  EXPECT_EQ(d_->plan().verb(idx("F12")), ActionKind::answer);
}

TEST(PlanVerbs, TransferHangUpAndNotify) {
  auto r = scenario::load_scenario(std::string(LADDER_SOURCE_DIR) +
                                   "/scenarios/transfer/unattended-transfer.yaml");
  ASSERT_TRUE(r.ok());
  const scenario::Scenario& sc = *r.scenario;
  Plan p(sc, {"A", "B", "C"});
  for (std::size_t i = 0; i < sc.steps.size(); ++i) {
    const scenario::Step& s = sc.steps[i];
    if (p.tracking(i) != Tracking::action || !s.is_request()) continue;
    if (s.method == "REFER") {
      EXPECT_EQ(p.verb(i), ActionKind::transfer) << s.id;
    } else if (s.method == "BYE") {
      EXPECT_EQ(p.verb(i), ActionKind::hang_up) << s.id;
    } else if (s.method == "NOTIFY") {
      EXPECT_EQ(p.verb(i), ActionKind::request) << s.id;
    }
  }
}

TEST_F(DirectorTest, ACancelActsInTheDialogOfItsInvite) {
  load("basic/no-answer-cancel.yaml");
  start({"A", "B"});
  for (const auto& s : sc_.steps) {
    if (s.from != "A" || !s.is_request() || s.method != "CANCEL") continue;
    EXPECT_EQ(d_->plan().verb(idx(s.id)), ActionKind::cancel);
    EXPECT_EQ(d_->plan().dialog(idx(s.id)), "call");
  }
}

}  // namespace
}  // namespace ladder::engine

namespace ladder::engine {
namespace {

TEST_F(DirectorTest, ADrivenPhonesActionWaitsForWhatItsOwnStackOwesFirst) {
  // B is a phone: its BYE (an action) is listed after its stack's 200 to the NOTIFY; a Sofia
  // agent has always answered by then, a phone may not have: the BYE waits for the 200.
  load_text(R"(
name: phone-stack
roles: [A, B]
dialogs: {d: established}
steps:
  - {id: F1, from: A, to: B, request: NOTIFY, dialog: d}
  - {id: F2, from: B, to: A, response: 200, dialog: d}
  - {id: F3, from: B, to: A, request: BYE, dialog: d}
)");
  driven = {"B"};
  start({"A", "B"});
  d_->fire_due(kLate);
  EXPECT_EQ(steps_of(a_), Ids{"F1"});
  d_->observe("B", false, msg("NOTIFY sip:b@h SIP/2.0", "c1", "2 NOTIFY"), kSecond);
  d_->fire_due(kLate);
  EXPECT_TRUE(b_.performed.empty());
  d_->observe("B", true, msg("SIP/2.0 200 OK", "c1", "2 NOTIFY"), 2 * kSecond);
  d_->fire_due(kLate);
  EXPECT_EQ(steps_of(b_), Ids{"F3"});
  EXPECT_EQ(b_.performed[0].kind, ActionKind::hang_up);
}

TEST_F(DirectorTest, AnIgnoredCommandFailsTheStepSayingWhatWasSentAndWhen) {
  load("basic/successful-call.yaml");
  DirectorOptions o;
  o.step_timeout = 2 * kSecond;
  driven = {"A"};
  a_.sent_as = Sent{"A (baresip): dial sip:bob@ladder.test", kSecond / 10};
  start({"A", "B"}, o);
  d_->fire_due(kLate);
  EXPECT_TRUE(d_->over(3 * kSecond));
  EXPECT_EQ(d_->errors(),
            Ids{"A (baresip): dial sip:bob@ladder.test sent at 0.10 s; no F1 (INVITE A -> P) "
                "within 2s"});
  EXPECT_EQ(d_->stuck_step(), idx("F1"));
}

TEST_F(DirectorTest, ATransfereesCallToTheTargetIsMarkedAsCausedByTheRefer) {
  load_text(R"(
name: transferee
roles: [A, B]
dialogs: {ab: established, ac: new}
steps:
  - {id: F1, from: B, to: A, request: REFER, dialog: ab}
  - {id: F2, from: A, to: B, request: INVITE, dialog: ac}
  - {id: F3, from: A, to: B, request: INVITE, dialog: ac, optional: true}
)");
  start({"A", "B"});
  d_->fire_due(kLate);
  EXPECT_EQ(steps_of(b_), Ids{"F1"});
  d_->observe("A", false, msg("REFER sip:a@h SIP/2.0", "c1", "2 REFER"), kSecond);
  d_->fire_due(kLate);
  ASSERT_EQ(steps_of(a_), (Ids{"F2"}));
  EXPECT_EQ(a_.performed[0].kind, ActionKind::dial);
  EXPECT_TRUE(a_.performed[0].dial().by_refer);
}

TEST_F(DirectorTest, APlainDialIsNotCausedByARefer) {
  load("basic/successful-call.yaml");
  start({"A", "B"});
  d_->fire_due(kLate);
  ASSERT_EQ(steps_of(a_), Ids{"F1"});
  EXPECT_FALSE(a_.performed[0].dial().by_refer);
}

TEST_F(DirectorTest, ADrivenPhonesRetryAfterAChallengeIsItsOwnNoSecondDial) {
  // baresip as A placed a second call once: the retry after the 407 was commanded as a dial
  // before the phone's own retry was on the wire. A phone answers a challenge itself.
  load("calls/proxy-auth-407.yaml");
  driven = {"A"};
  start({"A", "B"});
  d_->fire_due(kLate);
  ASSERT_EQ(steps_of(a_), Ids{"F1"});
  d_->observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), kSecond);
  d_->observe("A", false, msg("SIP/2.0 407 Proxy Authentication Required", "c1", "1 INVITE"),
              kSecond);
  d_->observe("A", true, msg("ACK sip:bob@h SIP/2.0", "c1", "1 ACK"), kSecond);
  d_->fire_due(kLate);
  d_->fire_due(kLate + kSecond);
  EXPECT_EQ(steps_of(a_), Ids{"F1"});  // no command for the retry
  // The harness-played caller's retry is an action of its own (its stack needs the credentials).
  FakeActor fresh;
  a_ = fresh;
  driven.clear();
  start({"A", "B"});
  d_->fire_due(kLate);
  d_->observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), kSecond);
  d_->observe("A", false, msg("SIP/2.0 407 Proxy Authentication Required", "c1", "1 INVITE"),
              kSecond);
  d_->observe("A", true, msg("ACK sip:bob@h SIP/2.0", "c1", "1 ACK"), kSecond);
  d_->fire_due(kLate + kSecond);
  ASSERT_EQ(steps_of(a_).size(), 2u);
  EXPECT_TRUE(a_.performed[1].dial().after_challenge);
}

}  // namespace
}  // namespace ladder::engine
