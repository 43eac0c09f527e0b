// The engine's bookkeeping without Sofia: kinds, prerequisites, matching, due actions.
#include "engine/plan.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "engine/testing/library.h"

namespace ladder::engine {
namespace {
constexpr core::TimeNs kLate = 1'000'000'000'000'000;  // a time when everything armed is due

const auto load = testing::library_ladder;

std::size_t idx(const scenario::Scenario& s, const std::string& id) { return *s.find_step(id); }

sip::Message msg(const std::string& start, const std::string& call_id, const std::string& cseq,
                 const std::string& branch = "z9hG4bK1") {
  return sip::Message(start + "\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=" + branch +
                      "\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: " + call_id +
                      "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n");
}

TEST(Plan, KindsOfTheBasicCall) {
  auto sc = load("basic/successful-call.yaml");
  Plan p(sc, {"A", "B"});
  EXPECT_EQ(p.tracking(idx(sc, "F1")), Tracking::action);
  EXPECT_EQ(p.tracking(idx(sc, "F2")), Tracking::expect);
  EXPECT_EQ(p.tracking(idx(sc, "F4")), Tracking::action);      // 180 from B
  EXPECT_EQ(p.tracking(idx(sc, "F8")), Tracking::automatic);   // ACK
  EXPECT_EQ(p.tracking(idx(sc, "F12")), Tracking::automatic);  // 200 to BYE
  Plan only_a(sc, {"A"});
  EXPECT_EQ(only_a.tracking(idx(sc, "F4")), Tracking::ignored);  // B -> P, neither played
}

TEST(Plan, AnActionOnTheStepNamesItsVerb) {
  // Inference says a re-INVITE without an SDP preset is a plain re-INVITE; the ladder knows
  // better for a phone whose hold key sends its own SDP.
  auto r = scenario::load_scenario_text(
      "roles: [A, B]\ndialogs: {d: new}\nsteps:\n"
      "  - {id: F1, from: A, to: B, request: INVITE, dialog: d}\n"
      "  - {id: F2, from: B, to: A, response: 200, dialog: d}\n"
      "  - {id: F3, from: A, to: B, request: ACK, dialog: d}\n"
      "  - {id: F4, from: A, to: B, request: INVITE, dialog: d}\n"
      "  - {id: F5, from: A, to: B, request: INVITE, dialog: d, action: hold}\n"
      "  - {id: F6, from: A, to: B, request: BYE, dialog: d, action: {verb: hang_up, press: [X]}}\n",
      "t.yaml");
  ASSERT_TRUE(r.ok());
  const scenario::Scenario& sc = *r.scenario;
  Plan p(sc, {"A", "B"});
  EXPECT_EQ(p.verb(idx(sc, "F4")), ActionKind::reinvite);
  EXPECT_EQ(p.verb(idx(sc, "F5")), ActionKind::hold);
  EXPECT_EQ(p.verb(idx(sc, "F6")), ActionKind::hang_up);
}

TEST(Plan, EveryVerbALadderMayNameIsAnActionKind) {
  for (std::string_view v : scenario::action_verbs()) {
    auto k = verb_named(v);
    ASSERT_TRUE(k) << v;
    std::string back(to_string(*k));
    std::replace(back.begin(), back.end(), ' ', '_');
    EXPECT_EQ(back, v);
  }
  EXPECT_EQ(scenario::action_verbs().size(), static_cast<std::size_t>(ActionKind::request) + 1);
  EXPECT_FALSE(verb_named("hangup"));
}

TEST(Plan, ActionsFireOnceTheirPrerequisitesAreSeen) {
  auto sc = load("basic/successful-call.yaml");
  Plan p(sc, {"A", "B"});
  EXPECT_TRUE(p.due(kLate).empty());  // not started
  p.start(1);
  ASSERT_EQ(p.due(kLate), std::vector<std::size_t>{idx(sc, "F1")});
  p.mark_fired(idx(sc, "F1"));
  EXPECT_TRUE(p.due(kLate).empty());
  EXPECT_EQ(p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 3),
            idx(sc, "F1"));
  // A retransmission satisfies nothing.
  EXPECT_EQ(p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 4),
            std::nullopt);
  EXPECT_EQ(p.observe("B", false, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE", "z9hG4bK2"), 5),
            idx(sc, "F3"));
  // B answers 180 then 200: both follow F3 only, and fire in ladder order.
  EXPECT_EQ(p.due(kLate), std::vector<std::size_t>{idx(sc, "F4")});
  EXPECT_EQ(p.armed_at(idx(sc, "F4")), 5);
  p.mark_fired(idx(sc, "F4"));
  EXPECT_EQ(p.due(kLate), std::vector<std::size_t>{idx(sc, "F6")});
}

// Regression (hold-resume run test, ~4 runs in 5): B answered the hold re-INVITE with the
// previous offer's direction because nua had not yet delivered the re-INVITE's event. The step
// keeps the SDP of the message that satisfied it, from the wire.
TEST(Plan, StepKeepsTheSdpOfTheRequestThatSatisfiedIt) {
  auto sc = load("basic/successful-call.yaml");
  Plan p(sc, {"A", "B"});
  p.start(1);
  std::string sdp = "v=0\r\na=sendonly\r\n";
  sip::Message invite("INVITE sip:bob@h SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK2"
                      "\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c1\r\nCSeq: 1 "
                      "INVITE\r\nContent-Type: application/sdp\r\nContent-Length: " +
                      std::to_string(sdp.size()) + "\r\n\r\n" + sdp);
  EXPECT_EQ(p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 2),
            idx(sc, "F1"));
  EXPECT_EQ(p.state(idx(sc, "F1")).sdp, "");  // no body
  EXPECT_EQ(p.observe("B", false, invite, 3), idx(sc, "F3"));
  EXPECT_EQ(p.state(idx(sc, "F3")).sdp, sdp);
}

TEST(Plan, ResponsesMatchTheAnsweredMethodAndDialog) {
  auto sc = load("basic/successful-call.yaml");
  Plan p(sc, {"A", "B"});
  p.start(1);
  p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 2);
  // A 200 to a REGISTER is not the 200 to the INVITE.
  EXPECT_EQ(p.observe("A", false, msg("SIP/2.0 200 OK", "reg", "5 REGISTER"), 3), std::nullopt);
  // Another Call-ID is not dialog "call" once it is bound at A.
  EXPECT_EQ(p.observe("A", false, msg("SIP/2.0 180 Ringing", "other", "1 INVITE"), 3),
            std::nullopt);
  EXPECT_EQ(p.observe("A", false, msg("SIP/2.0 180 Ringing", "c1", "1 INVITE"), 4), idx(sc, "F5"));
  EXPECT_EQ(p.call_id("A", "call"), "c1");
}

TEST(Plan, OverdueNamesTheFirstArmedStep) {
  auto sc = load("basic/unknown-user.yaml");
  Plan p(sc, {"A"});
  p.start(0);
  p.observe("A", true, msg("INVITE sip:x@h SIP/2.0", "c1", "1 INVITE"), 10);
  auto late = p.overdue(2000, [](std::size_t) { return core::TimeNs{1000}; });
  ASSERT_TRUE(late.has_value());
  EXPECT_EQ(sc.steps[*late].id, "F3");
  EXPECT_FALSE(p.overdue(500, [](std::size_t) { return core::TimeNs{1000}; }).has_value());
}

// The load engine advances a call at its next wake-up instead of on a timer: an action's arming
// (here the ring time) or the earliest deadline of a step still open, whichever comes first.
TEST(Plan, NextWakeIsTheNextArmingOrDeadline) {
  auto sc = load("basic/successful-call.yaml");
  Plan p(sc, {"A", "B"});
  p.set_ring({}, 300);
  auto timeout = [](std::size_t) { return core::TimeNs{1000}; };
  std::size_t f4 = idx(sc, "F4"), f6 = idx(sc, "F6");
  EXPECT_FALSE(p.next_wake(timeout).has_value());  // not started: nothing is armed
  p.start(1);
  EXPECT_EQ(p.next_wake(timeout), 1);  // F1 armed, not performed yet: at once
  p.mark_fired(idx(sc, "F1"), 1);
  EXPECT_EQ(p.next_wake(timeout), 1 + 1000);  // F1's deadline
  p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 2);
  p.observe("B", false, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE", "z9hG4bK2"), 5);
  p.mark_fired(f4, 6);
  p.observe("B", true, msg("SIP/2.0 180 Ringing", "c1", "1 INVITE", "z9hG4bK2"), 10);
  EXPECT_EQ(p.next_wake(timeout), 10 + 300);  // B answers after its ring time
  p.mark_fired(f6, 310);
  EXPECT_EQ(p.next_wake(timeout), 2 + 1000);  // now the earliest deadline: F2 (100), armed at 2
}

// Issue 11: B's 180 and 200 left within microseconds; a multi-worker proxy relayed the 200
// first and dropped the late 180 (a false red at F4 one run in ten). The 200 now waits for the
// ring time after the 180 was seen on the wire.
TEST(Plan, Issue11AnswerWaitsTheRingTimeAfterTheRole180) {
  auto sc = load("basic/successful-call.yaml");
  Plan p(sc, {"A", "B"});
  p.set_ring({}, 300);
  std::size_t f4 = idx(sc, "F4"), f6 = idx(sc, "F6");
  EXPECT_EQ(p.rings_after(f6), f4);
  EXPECT_EQ(p.ring_time(f6), 300);
  EXPECT_FALSE(p.rings_after(f4).has_value());
  p.start(1);
  p.mark_fired(idx(sc, "F1"), 1);
  p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 2);
  p.observe("B", false, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE", "z9hG4bK2"), 5);
  p.mark_fired(f4, 6);
  EXPECT_EQ(p.armed_at(f6), 6 + 300);  // from when it was sent, until the wire shows it
  p.observe("B", true, msg("SIP/2.0 180 Ringing", "c1", "1 INVITE", "z9hG4bK2"), 10);
  EXPECT_EQ(p.armed_at(f6), 10 + 300);
  EXPECT_TRUE(p.due(309).empty());
  EXPECT_EQ(p.due(310), std::vector<std::size_t>{f6});
  // The per-role ring time (testbed) and the step's own `ring:` (scenario) override it.
  Plan q(sc, {"A", "B"});
  q.set_ring({{"B", 50}}, 300);
  EXPECT_EQ(q.ring_time(f6), 50);
  auto own = scenario::load_scenario_text(R"(
roles: [A, B]
steps:
  - {id: F1, from: A, to: B, request: INVITE}
  - {id: F2, from: B, to: A, response: 180}
  - {id: F3, from: B, to: A, response: 200, ring: 0ms}
  - {id: F4, from: A, to: B, request: ACK}
)", "own.yaml");
  ASSERT_TRUE(own.ok());
  Plan r(*own.scenario, {"A", "B"});
  r.set_ring({{"B", 50}}, 300);
  EXPECT_EQ(r.ring_time(2), 0);
}

// Issue 11, the same race between a role's own messages: A's BYE right after its ACK can
// overtake it through another proxy worker. The BYE waits the pause after the ACK is on the wire.
TEST(Plan, Issue11RequestPausesAfterTheRolesOwnMessageInTheDialog) {
  auto sc = load("basic/caller-releases.yaml");
  Plan p(sc, {"A", "B"});
  p.set_ring({}, 0, 100);
  std::size_t f8 = idx(sc, "F8"), f10 = idx(sc, "F10");
  EXPECT_EQ(p.pauses_after(f10), f8);  // A's ACK
  p.start(1);
  p.mark_fired(idx(sc, "F1"), 1);
  p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 2);
  p.observe("A", false, msg("SIP/2.0 180 Ringing", "c1", "1 INVITE"), 4);  // F5
  p.observe("A", false, msg("SIP/2.0 200 OK", "c1", "1 INVITE"), 5);  // F7
  EXPECT_FALSE(p.armed_at(f10).has_value());  // the ACK is not on the wire yet
  p.observe("A", true, msg("ACK sip:bob@h SIP/2.0", "c1", "1 ACK", "z9hG4bK3"), 7);
  EXPECT_EQ(p.armed_at(f10), 7 + 100);
  EXPECT_TRUE(p.due(106).empty());
  EXPECT_EQ(p.due(107), std::vector<std::size_t>{f10});
}

// Glare (RFC 3261 14.1, 14.2): re-INVITEs of two roles with the same `after:` are armed together
// (the later of their times, here A's pause after its ACK), so they cross; a 491 the role's
// stack sent by itself is not sent again, one it did not is; the retries wait 500ms (B, not
// the Call-ID's owner) and 2.1s (A, who sent the dialog's first INVITE) after the 491.
TEST(Plan, GlareReInvitesLeaveTogetherAndRetriesWaitPerRfc3261) {
  auto r = scenario::load_scenario_text(R"(
roles: [A, B]
dialogs: {d: new}
any_order: [[F4, F5]]
steps:
  - {id: F1, from: A, to: B, request: INVITE, dialog: d}
  - {id: F2, from: B, to: A, response: 200, dialog: d}
  - {id: F3, from: A, to: B, request: ACK, dialog: d}
  - {id: F4, from: A, to: B, request: INVITE, dialog: d, after: F3}
  - {id: F5, from: B, to: A, request: INVITE, dialog: d, after: F3}
  - {id: F6, from: B, to: A, response: 491, answers: F4, dialog: d}
  - {id: F7, from: A, to: B, response: 491, answers: F5, dialog: d}
  - {id: F8, from: A, to: B, request: ACK, dialog: d}
  - {id: F9, from: B, to: A, request: ACK, dialog: d}
  - {id: F10, from: B, to: A, request: INVITE, dialog: d}
  - {id: F11, from: A, to: B, response: 200, dialog: d}
  - {id: F12, from: B, to: A, request: ACK, dialog: d}
  - {id: F13, from: A, to: B, request: INVITE, dialog: d}
)", "glare.yaml");
  ASSERT_TRUE(r.ok());
  const scenario::Scenario& sc = *r.scenario;
  Plan p(sc, {"A", "B"});
  p.set_ring({}, 0, 100);
  std::size_t f4 = idx(sc, "F4"), f5 = idx(sc, "F5"), f6 = idx(sc, "F6"), f7 = idx(sc, "F7");
  std::size_t f10 = idx(sc, "F10"), f13 = idx(sc, "F13");
  EXPECT_EQ(p.tracking(f6), Tracking::action);
  EXPECT_EQ(p.verb(f6), ActionKind::reject);
  EXPECT_FALSE(p.glare_retry_after(f4).has_value());
  EXPECT_EQ(p.glare_retry_after(f10), f7);
  EXPECT_EQ(p.glare_wait(f10), Plan::kGlareOtherWait);
  EXPECT_EQ(p.glare_retry_after(f13), f6);
  EXPECT_EQ(p.glare_wait(f13), Plan::kGlareOwnerWait);
  EXPECT_EQ(Plan::kGlareOtherWait, 500'000'000);   // RFC 3261 14.1: 0-2 s
  EXPECT_EQ(Plan::kGlareOwnerWait, 2'100'000'000);  // 2.1-4 s

  p.start(1);
  p.mark_fired(idx(sc, "F1"), 1);
  p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "1 INVITE"), 2);
  p.mark_fired(idx(sc, "F2"), 9);
  p.observe("B", true, msg("SIP/2.0 200 OK", "c1", "1 INVITE"), 10);
  p.observe("A", true, msg("ACK sip:bob@h SIP/2.0", "c1", "1 ACK", "z9hG4bK3"), 20);
  // Alone, B's would go 100 after its 200 (110) and A's 100 after its ACK (120): together, 120.
  EXPECT_EQ(p.armed_at(f4), 120);
  EXPECT_EQ(p.armed_at(f5), 120);
  EXPECT_TRUE(p.due(119).empty());
  EXPECT_EQ(p.due(120), (std::vector<std::size_t>{f4, f5}));
  p.mark_fired(f4, 120);
  p.mark_fired(f5, 120);
  p.observe("A", true, msg("INVITE sip:bob@h SIP/2.0", "c1", "2 INVITE", "z9hG4bKa"), 121);
  p.observe("B", true, msg("INVITE sip:alice@h SIP/2.0", "c1", "5 INVITE", "z9hG4bKb"), 121);
  // B's stack answered A's INVITE by itself (its own was open): not sent again. A's did not.
  p.observe("B", true, msg("SIP/2.0 491 Request Pending", "c1", "2 INVITE", "z9hG4bKa"), 122);
  auto due = p.due(kLate);
  EXPECT_EQ(std::count(due.begin(), due.end(), f6), 0);
  EXPECT_EQ(std::count(due.begin(), due.end(), f7), 1);
  p.mark_fired(f7, 125);
  p.observe("A", true, msg("SIP/2.0 491 Request Pending", "c1", "5 INVITE", "z9hG4bKb"), 130);
  p.observe("A", true, msg("ACK sip:bob@h SIP/2.0", "c1", "2 ACK", "z9hG4bKa"), 131);
  p.observe("B", true, msg("ACK sip:alice@h SIP/2.0", "c1", "5 ACK", "z9hG4bKb"), 132);
  EXPECT_EQ(p.armed_at(f10), 130 + Plan::kGlareOtherWait);  // from the 491 B received
}

TEST(Plan, RingOnARequestIsAnError) {
  auto r = scenario::load_scenario_text(R"(
roles: [A, B]
steps:
  - {id: F1, from: A, to: B, request: INVITE, ring: 1s}
)", "bad.yaml");
  EXPECT_FALSE(r.ok());
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics[0].format().find("bad.yaml:4:"), std::string::npos)
      << r.diagnostics[0].format();
  EXPECT_NE(r.diagnostics[0].format().find("'ring' in step F1 belongs to final responses"),
            std::string::npos)
      << r.diagnostics[0].format();
}

TEST(Plan, TransferNotifyFollowsTheRefer) {
  auto sc = load("transfer/unattended-transfer.yaml");
  Plan p(sc, {"A", "B", "C"});
  std::size_t f13 = idx(sc, "F13");
  EXPECT_EQ(p.tracking(f13), Tracking::action);
  EXPECT_EQ(p.tracking(idx(sc, "F11")), Tracking::automatic);  // 202 by the stack
  const auto& pre = p.prerequisites(f13);
  EXPECT_NE(std::find(pre.begin(), pre.end(), idx(sc, "F10")), pre.end());
}

}  // namespace
}  // namespace ladder::engine
