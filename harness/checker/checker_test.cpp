// Checker logic on synthetic flows: one broken rule per test.
#include "checker/checker.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "checker/flow_test_util.h"

namespace ladder::checker {
namespace {

using namespace ladder::checker::testing;

Verdict run(const std::string& ladder, const std::vector<Wire>& wires) {
  CheckOptions o;
  o.roles = role_map();
  return check(load(ladder), observe(wires), o);
}

std::vector<std::string> failures(const Verdict& v, bool warnings = false) {
  std::vector<std::string> out;
  for (const Failure& f : v.failures) {
    if (f.warning == warnings) out.push_back(f.step + ": " + f.message);
  }
  return out;
}

// Whether `text` is one of the verdict's failures; the message lists them all when it is not.
::testing::AssertionResult fails_with(const Verdict& v, const std::string& text) {
  auto f = failures(v);
  if (std::find(f.begin(), f.end(), text) != f.end()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "no failure '" << text << "' in "
                                       << ::testing::PrintToString(f);
}

// The first failure, or "(none)": never indexes an empty list.
std::string first_failure(const Verdict& v) {
  auto f = failures(v);
  return f.empty() ? "(none)" : f.front();
}

TEST(Checker, CleanBasicCallPasses) {
  Verdict v = run(basic_ladder(), basic_call());
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
  EXPECT_TRUE(failures(v).empty()) << ::testing::PrintToString(failures(v));
  for (const StepResult& r : v.steps) EXPECT_EQ(r.status, StepStatus::passed) << r.id;
  EXPECT_EQ(v.steps[F3].frame, 3u);
}

TEST(Checker, MaxForwardsNotDecrementedFailsTheForward) {
  auto w = basic_call();
  edit(w[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
  Verdict v = run(basic_ladder(), w);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(failures(v), std::vector<std::string>{
                             "F3: Max-Forwards: one less (forward of F1): expected 69, seen 70"});
  EXPECT_EQ(v.steps[F3].status, StepStatus::failed);
  EXPECT_EQ(v.failures[0].frame, 3u);
}

TEST(Checker, MissingRecordRouteFailsWhenTheProxyMustRecordRoute) {
  auto w = basic_call();
  edit(w[F3].text, "Record-Route: <sip:10.0.0.2;lr>\r\n", "");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F3: Record-Route: the proxy record-routes (forward of F1): expected a "
                         "Record-Route added, seen none"));
}

TEST(Checker, ViaStackMustBeKeptUnderTheNewTopVia) {
  auto w = basic_call();
  edit(w[F3].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n", "");
  Verdict v = run(basic_ladder(), w);
  auto f = failures(v);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0],
            "F3: Via: a new top Via with the rest kept (forward of F1): expected a new top Via "
            "over [SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1], seen [SIP/2.0/UDP "
            "10.0.0.2:5060;branch=z9hG4bKp1]");
}

TEST(Checker, RewrittenFromFailsTheForward) {
  auto w = basic_call();
  edit(w[F3].text, "From: <sip:alice@example.test>;tag=fa", "From: <sip:mallory@example.test>;tag=fa");
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(first_failure(v),
            "F3: From: must be kept (forward of F1): expected '<sip:alice@example.test>;tag=fa', "
            "seen '<sip:mallory@example.test>;tag=fa'");
}

// Found with captures/misbehave: a proxy that renames the caller must fail, one that only
// re-quotes the display name (ipv6frag.pcap) must not.
TEST(Checker, FromDisplayNameRewriteFailsButRequotingPasses) {
  auto w = basic_call();
  edit(w[F1].text, "From: <sip:alice", "From: Alice <sip:alice");
  edit(w[F3].text, "From: <sip:alice", "From: \"Alice\" <sip:alice");
  EXPECT_TRUE(run(basic_ladder(), w).passed);
  edit(w[F3].text, "\"Alice\"", "\"Mallory\"");
  EXPECT_EQ(first_failure(run(basic_ladder(), w)),
            "F3: From: must be kept (forward of F1): expected 'Alice "
            "<sip:alice@example.test>;tag=fa', seen '\"Mallory\" <sip:alice@example.test>;tag=fa'");
}

TEST(Checker, SwallowedRingingIsMissing) {
  auto w = basic_call();
  w.erase(w.begin() + F5);
  Verdict v = run(basic_ladder(), w);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(v.steps[F5].status, StepStatus::missing);
  EXPECT_EQ(failures(v), std::vector<std::string>{"F5: 180 P -> A: not seen"});
}

TEST(Checker, ProxyReorderingOnOneLegIsCausallyFine) {
  // P forwards B's 200 before B's 180 on the P -> A leg (two workers). Nothing ties F5 to F7,
  // so causal order passes; A's ACK then comes before the late 180, which A had to see first
  // by the ladder's rule 3 unless the ladder frees it with any_order.
  auto base = basic_call();
  // B's 180 and 200 reach P; P forwards the 200 first, A acknowledges it, then the 180 lands.
  std::vector<Wire> w = {base[F1], base[F2], base[F3], base[F4], base[F6],
                         base[F7], base[F8], base[F5], base[F9], base[F10],
                         base[F11], base[F12], base[F13]};
  std::string ladder = basic_ladder();
  ladder += "any_order: [[F5, F8]]\n";
  Verdict v = run(ladder, w);
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));

  Verdict strict = run(ladder + "policy: {strict_order: true}\n", w);
  EXPECT_FALSE(strict.passed);
  EXPECT_EQ(first_failure(strict),
            "F6: F6 came before F5 (F5 is at frame 8); strict_order demands the listed order");
  // Without the any_order group, A's ACK before the late 180 breaks rule 3.
  Verdict causal = run(basic_ladder(), w);
  EXPECT_EQ(first_failure(causal),
            "F8: F8 came before F5 (F5 is at frame 8), which A receives before sending F8");
}

TEST(Checker, ActingBeforeReceivingIsAnOrderFailure) {
  // B sends its 180 before P's INVITE reached it: impossible for a real B, a broken capture or
  // a wrong role map; the checker says which causal link broke.
  auto w = basic_call();
  std::swap(w[F3], w[F4]);
  Verdict v = run(basic_ladder(), w);
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(first_failure(v), "F4: F4 came before F3 (F3 is at frame 4), the request it answers");
}

TEST(Checker, ResponseToAnotherTransactionDoesNotMatch) {
  auto w = basic_call();
  edit(w[F4].text, "branch=z9hG4bKp1", "branch=z9hG4bKzz");
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(v.steps[F4].status, StepStatus::missing);
}

TEST(Checker, AckOfA2xxMustBeANewTransaction) {
  auto w = basic_call();
  edit(w[F8].text, "branch=z9hG4bKa2", "branch=z9hG4bKa1");
  edit(w[F9].text, "branch=z9hG4bKa2", "branch=z9hG4bKa1");
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(first_failure(v),
            "F8: the ACK for a 2xx is a new transaction, but it reuses the INVITE's branch "
            "'z9hG4bKa1' (RFC 3261 13.2.2.4)");
}

TEST(Checker, InDialogRequestWithoutTheRouteSet) {
  auto w = basic_call();
  edit(w[F10].text, "Route: <sip:10.0.0.2;lr>\r\n", "");
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(first_failure(v),
            "F10: Route: expected the proxies' entries [sip:10.0.0.2;lr] from the INVITE's "
            "Record-Route, seen Route []");
}

TEST(Checker, ChangedToTagBreaksTheDialog) {
  auto w = basic_call();
  edit(w[F7].text, "tag=tb", "tag=other");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(
      fails_with(v, "F7: dialog call: To tag 'other' is neither of the dialog's tags 'fa', 'tb'"));
}

TEST(Checker, ChangedCallIdBreaksTheDialog) {
  auto w = basic_call();
  edit(w[F10].text, "Call-ID: call-1", "Call-ID: call-2");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(
      fails_with(v, "F10: dialog call: Call-ID 'call-2' differs from the dialog's 'call-1'"));
}

TEST(Checker, RetransmissionsAreFoldedCountedAndTimed) {
  auto w = basic_call();
  Wire again = w[F1];
  again.at = 0.5;
  Wire fast = w[F1];
  fast.at = 0.6;  // T1 doubling expects 1 s after the first retransmission
  w.insert(w.begin() + 2, again);
  w.insert(w.begin() + 3, fast);
  std::string ladder = basic_ladder();
  edit(ladder, "{id: F1, from: A, to: P, request: INVITE, dialog: call}",
       "{id: F1, from: A, to: P, request: INVITE, dialog: call, retransmissions: {max: 1}}");
  Verdict v = run(ladder, w);
  EXPECT_EQ(v.steps[F1].retransmissions.size(), 2u);
  EXPECT_EQ(failures(v), std::vector<std::string>{"F1: retransmissions: expected 0..1, seen 2"});
  EXPECT_EQ(failures(v, true),
            std::vector<std::string>{"F1: retransmission at frame 4 came 0.100 s after the "
                                     "previous copy; T1 doubling expects 1.000 s"});
}

TEST(Checker, ExtraMessagesFollowThePolicy) {
  auto w = basic_call();
  Wire options{"A", "P",
               "OPTIONS sip:10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKo1\r\n"
               "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=o\r\nTo: <sip:10.0.0.2>\r\n"
               "Call-ID: opt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
               0.5};
  w.push_back(options);
  Verdict warn = run(basic_ladder(), w);
  EXPECT_TRUE(warn.passed);
  EXPECT_EQ(failures(warn, true),
            std::vector<std::string>{
                ": unexpected OPTIONS A -> P (CSeq 1 OPTIONS, not in the ladder)"});
  Verdict fail = run(std::string(basic_ladder()) + "policy: {extra_messages: fail}\n", w);
  EXPECT_FALSE(fail.passed);
}

TEST(Checker, HeaderExpectationsSaveAndReuseVariables) {
  std::string ladder = basic_ladder();
  edit(ladder, "{id: F1, from: A, to: P, request: INVITE, dialog: call}",
       "{id: F1, from: A, to: P, request: INVITE, dialog: call, headers: {Call-ID: {save: cid}, "
       "Contact: {uri: {user: alice}}}}");
  edit(ladder, "{id: F10, from: B, to: P, request: BYE, dialog: call}",
       "{id: F10, from: B, to: P, request: BYE, dialog: call, headers: {Call-ID: {equals: "
       "'${cid}'}, To: {param: {tag: {equals: nope}}}}}");
  Verdict v = run(ladder, basic_call());
  EXPECT_EQ(failures(v), std::vector<std::string>{
                             "F10: To parameter tag: expected 'nope', seen 'fa'"});
}

TEST(Checker, WithinTiming) {
  std::string ladder = basic_ladder();
  edit(ladder, "{id: F6, from: B, to: P, response: 200, dialog: call}",
       "{id: F6, from: B, to: P, response: 200, dialog: call, within: {of: F3, max: 500ms}}");
  Verdict v = run(ladder, basic_call());
  EXPECT_EQ(failures(v), std::vector<std::string>{
                             "F6: F6 came 998.0 ms after F3; expected within 500ms"});
}

TEST(Checker, RolesAreInferredWhenNotGiven) {
  Verdict v = check(load(basic_ladder()), observe(basic_call()), {});
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
  ASSERT_FALSE(v.notes.empty());
  EXPECT_EQ(v.notes[0],
            "roles inferred from the capture: A=10.0.0.1:5060 (F1, frame 1) P=10.0.0.2:5060 (F1, "
            "frame 1) B=10.0.0.3:5060 (F3, frame 3)");
}

TEST(Checker, NothingObservedIsNeverAPass) {
  Verdict v = check(load(basic_ladder()), {}, {});
  EXPECT_FALSE(v.passed);
  EXPECT_FALSE(v.checked_anything);
}

}  // namespace
}  // namespace ladder::checker
