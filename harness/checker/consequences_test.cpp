// Issue 12: the root failure first, what follows from it grouped under it; a near miss named as
// the step with its fault; "the nearest" only from the same call.
#include <gtest/gtest.h>

#include <algorithm>

#include "checker/checker.h"
#include "checker/flow_test_util.h"

namespace ladder::checker {
namespace {

using namespace ladder::checker::testing;

Verdict run(const std::string& ladder, const std::vector<Wire>& wires) {
  CheckOptions o;
  o.roles = role_map();
  return check(load(ladder), observe(wires), o);
}

std::vector<std::string> roots(const Verdict& v) {
  std::vector<std::string> out;
  for (const Failure& f : v.failures) {
    if (is_root(f)) out.push_back(f.step + ": " + f.message);
  }
  return out;
}

std::vector<std::string> consequences(const Verdict& v) {
  std::vector<std::string> out;
  for (const Failure& f : v.failures) {
    if (!f.caused_by.empty()) out.push_back(f.step + " <- " + f.caused_by);
  }
  return out;
}

// A proxy that rewrites the Call-ID of the INVITE it forwards: B answers in the new Call-ID, the
// proxy relays those answers unchanged, and A (which cannot match them) never acknowledges.
std::vector<Wire> call_id_rewritten() {
  auto w = basic_call();
  for (Msg m : {F3, F4, F5, F6, F7}) edit(w[m].text, "Call-ID: call-1", "Call-ID: xcall-1");
  w.resize(F8);
  return w;
}

TEST(Consequences, RewrittenCallIdIsNamedAtTheForwardWithEverythingElseUnderIt) {
  Verdict v = run(basic_ladder(), call_id_rewritten());
  EXPECT_FALSE(v.passed);
  EXPECT_EQ(roots(v), std::vector<std::string>{
                          "F3: the proxy changed the Call-ID: expected 'call-1', seen 'xcall-1' "
                          "(forward of F1)"});
  EXPECT_EQ(v.steps[F3].frame, 3u);  // found, not "not seen"
  EXPECT_EQ(v.steps[F3].status, StepStatus::failed);
  // Every other failure follows from F3's, and points at it.
  std::size_t root = 0;
  while (root < v.failures.size() && !is_root(v.failures[root])) ++root;
  ASSERT_LT(root, v.failures.size());
  std::size_t following = 0;
  for (const Failure& f : v.failures) {
    if (is_root(f) || f.warning) continue;
    EXPECT_EQ(f.caused_by, "F3") << f.step << ": " << f.message;
    EXPECT_EQ(f.cause, root) << f.step << ": " << f.message;
    ++following;
  }
  EXPECT_GE(following, 6u) << ::testing::PrintToString(consequences(v));
  // The steps A never acknowledged are missing because of F3, and say so.
  EXPECT_EQ(v.steps[F8].status, StepStatus::missing);
  EXPECT_EQ(v.steps[F8].caused_by, "F3");
  EXPECT_EQ(v.steps[F13].caused_by, "F3");
  EXPECT_TRUE(v.steps[F3].caused_by.empty());
}

TEST(Consequences, SwallowedRingingIsTheOnlyRootWhenTheCallGoesOn) {
  auto w = basic_call();
  w.erase(w.begin() + F5);
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(roots(v), std::vector<std::string>{"F5: 180 P -> A: not seen"});
  EXPECT_TRUE(consequences(v).empty()) << ::testing::PrintToString(consequences(v));
}

TEST(Consequences, StepsWhoseTriggerNeverCameFollowFromTheFirstMissingOne) {
  // The proxy never forwarded the INVITE: nothing B or anyone after it would do happened.
  auto w = basic_call();
  w.resize(F3);
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(roots(v), std::vector<std::string>{"F3: INVITE P -> B: not seen"});
  for (Msg m : {F4, F5, F6, F7, F8, F9, F10, F11, F12, F13}) {
    EXPECT_EQ(v.steps[m].status, StepStatus::missing) << m;
    EXPECT_EQ(v.steps[m].caused_by, "F3") << m;
  }
}

TEST(Consequences, AStepThatNeedsNoMissingOneStaysARoot) {
  // B's 180 and 200 both never came: B may answer without ringing, so the missing 200 is a
  // fault of its own, not a consequence of the missing 180.
  auto w = basic_call();
  w.resize(F4);
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(roots(v), (std::vector<std::string>{"F4: 180 B -> P: not seen",
                                                "F6: 200 B -> P: not seen"}));
  EXPECT_EQ(v.steps[F5].caused_by, "F4");
  EXPECT_EQ(v.steps[F7].caused_by, "F6");
}

TEST(Consequences, IndependentFaultsStayRoots) {
  // Two faults with no causal link: both are roots, neither hides the other.
  auto w = basic_call();
  edit(w[F3].text, "Max-Forwards: 69", "Max-Forwards: 70");
  edit(w[F11].text, "Max-Forwards: 69", "Max-Forwards: 70");
  Verdict v = run(basic_ladder(), w);
  EXPECT_EQ(roots(v).size(), 2u) << ::testing::PrintToString(roots(v));
  EXPECT_TRUE(consequences(v).empty()) << ::testing::PrintToString(consequences(v));
}

TEST(Consequences, NearestIsNeverAnotherTransactionsAnswer) {
  // A registered first; the proxy then dropped the INVITE's 200 towards A. The REGISTER's 200
  // P -> A is no "nearest" for the missing 200 of the INVITE.
  auto w = basic_call();
  std::string reg =
      "REGISTER sip:example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKr1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=r1\r\n"
      "To: <sip:alice@example.test>\r\nCall-ID: reg-1\r\nCSeq: 1 REGISTER\r\n"
      "Contact: <sip:alice@10.0.0.1>\r\nContent-Length: 0\r\n\r\n";
  std::string ok =
      "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKr1\r\n"
      "From: <sip:alice@example.test>;tag=r1\r\nTo: <sip:alice@example.test>;tag=r2\r\n"
      "Call-ID: reg-1\r\nCSeq: 1 REGISTER\r\nContact: <sip:alice@10.0.0.1>\r\n"
      "Content-Length: 0\r\n\r\n";
  w.erase(w.begin() + F7);
  w.insert(w.begin(), {{"A", "P", reg, 0}, {"P", "A", ok, 0}});
  std::string ladder = basic_ladder();
  ladder.replace(ladder.find("roles:"), 0, "policy: {extra_messages: ignore}\n");
  Verdict v = run(ladder, w);
  auto r = roots(v);
  ASSERT_FALSE(r.empty());
  EXPECT_EQ(r.front(), "F7: 200 P -> A: not seen");
}

TEST(Consequences, PassingCallHasNoCauses) {
  Verdict v = run(basic_ladder(), basic_call());
  EXPECT_TRUE(v.passed);
  for (const StepResult& r : v.steps) EXPECT_TRUE(r.caused_by.empty()) << r.id;
}

}  // namespace
}  // namespace ladder::checker
