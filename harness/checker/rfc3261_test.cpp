// SIP as RFC 3261 writes it (issue 14): legal syntax that a raw-text comparison would reject
// passes, a malformed message never disappears from a verdict, and the rules across messages
// (9.1, 17.1.1.3, 8.1.1.7, 16.6 step 8, 18.2.1) fail with their section named.
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

std::vector<std::string> failures(const Verdict& v) {
  std::vector<std::string> out;
  for (const Failure& f : v.failures) {
    if (!f.warning) out.push_back(f.step + ": " + f.message);
  }
  return out;
}

::testing::AssertionResult fails_with(const Verdict& v, const std::string& text) {
  auto f = failures(v);
  if (std::find(f.begin(), f.end(), text) != f.end()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "no failure '" << text << "' in " << ::testing::PrintToString(f);
}

const Failure* find_failure(const Verdict& v, const std::string& text) {
  for (const Failure& f : v.failures) {
    if (f.step + ": " + f.message == text) return &f;
  }
  return nullptr;
}

// ---- Legal syntax passes ----

// Issue 14: the kept Via re-written with LWS around ';' and '=' and other case in its tokens
// (RFC 3261 25.1, 7.3.1) is the same Via; compared as text it failed "the rest kept".
TEST(Rfc3261Syntax, ForwardKeepsAViaWrittenWithOtherSpacingAndCase) {
  auto w = basic_call();
  // The proxy's INVITE (F3) carries A's Via re-spaced; the 180 going back (F5) likewise.
  edit(w[F3].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n",
       "Via: SIP / 2.0 / udp 10.0.0.1:5060 ;BRANCH = z9hG4bKa1 ;received=10.0.0.1\r\n");
  edit(w[F5].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n",
       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1 ;received=10.0.0.1\r\n");
  edit(w[F4].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n",
       "Via: SIP/2.0/UDP 10.0.0.1:5060 ; branch=z9hG4bKa1;received=10.0.0.1\r\n");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
}

TEST(Rfc3261Syntax, ForwardKeepsFromAndRecordRouteInOtherCase) {
  auto w = basic_call();
  edit(w[F3].text, "From: <sip:alice@example.test>;tag=fa",
       "From: <sip:alice@EXAMPLE.test> ; tag = fa");
  edit(w[F5].text, "Record-Route: <sip:10.0.0.2;lr>", "Record-Route: <sip:10.0.0.2;LR>");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
}

TEST(Rfc3261Syntax, ViaStackStillMustBeKept) {
  auto w = basic_call();
  edit(w[F3].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n",
       "Via: SIP / 2.0 / UDP 10.0.0.1:5062 ; branch = z9hG4bKa1\r\n");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(
      fails_with(v,
                 "F3: Via: a new top Via with the rest kept (forward of F1): expected a new "
                 "top Via over [SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1], seen "
                 "[SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKp1, SIP / 2.0 / UDP "
                 "10.0.0.1:5062 ; branch = z9hG4bKa1]"));
}

// A received set by the hop that got the request stays as it was (RFC 3261 18.2.1).
TEST(Rfc3261Syntax, ReceivedChangedByALaterHopFails) {
  auto w = basic_call();
  edit(w[F4].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n",
       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1;received=10.0.0.1\r\n");
  edit(w[F5].text, "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n",
       "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1;received=10.9.9.9\r\n");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F5: Via: a received parameter is not changed by later hops (RFC 3261 "
                         "18.2.1) (forward of F4): expected received=10.0.0.1, seen "
                         "received=10.9.9.9"));
  // The same change behind other spacing is found by the parsed comparison.
  edit(w[F5].text, "branch=z9hG4bKa1;received=10.9.9.9",
       "branch = z9hG4bKa1 ; received = 10.9.9.9");
  v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F5: Via: a received parameter is not changed by later hops (RFC 3261 "
                         "18.2.1) (forward of F4): expected received=10.0.0.1, seen "
                         "received=10.9.9.9"));
}

// ---- A malformed message never disappears from a verdict ----

TEST(Rfc3261Malformed, NotSeenNamesTheMalformedMessageInItsPlace) {
  auto w = basic_call();
  edit(w[F7].text, "SIP/2.0 200 OK", "SIP/2.0  200 OK");
  Verdict v = run(basic_ladder(), w);
  const std::string text =
      "F7: 200 P -> A: not seen; a malformed message stood in its place: frame 7 P -> A "
      "(10.0.0.2:5060 -> 10.0.0.1:5060), bad start line (the status line has extra whitespace): "
      "'SIP/2.0  200 OK'";
  EXPECT_TRUE(fails_with(v, text));
  const Failure* f = find_failure(v, text);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->frame, 7u);
  EXPECT_EQ(f->seen, "a malformed message at frame 7");
  EXPECT_EQ(v.steps[F7].status, StepStatus::missing);
  // Named once, where it stood, not again as an unexpected message.
  for (const std::string& s : failures(v)) EXPECT_EQ(s.find("unexpected"), std::string::npos) << s;
}

TEST(Rfc3261Malformed, AuthorizationMissingACommaIsReportedMalformed) {
  auto w = basic_call();
  edit(w[F1].text, "Max-Forwards: 70\r\n",
       "Max-Forwards: 70\r\nAuthorization: Digest username=\"alice\" realm=\"example.test\", "
       "nonce=\"n\", uri=\"sip:bob@example.test\", response=\"00\"\r\n");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F1: RFC 3261 7: malformed: bad Authorization header: 'Digest "
                         "username=\"alice\" realm=\"example.test\", nonce=\"n\", "
                         "uri=\"sip:bob@example.test\", response=\"00\"' (auth parameters are not "
                         "separated by commas)"));
}

// ---- Rules across messages ----

const char* kCancelLadder = R"(name: cancel
roles: [A, P: proxy]
steps:
  - {id: F1, from: A, to: P, request: INVITE}
  - {id: F2, from: A, to: P, request: CANCEL}
)";

std::vector<Wire> invite_and_cancel() {
  auto w = basic_call();
  std::string cancel =
      "CANCEL sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=fa\r\nCall-ID: call-1\r\n"
      "To: <sip:bob@example.test>\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n";
  return {w[F1], {"A", "P", cancel, 0.5}};
}

TEST(Rfc3261Cancel, MatchingCancelPasses) {
  Verdict v = run(kCancelLadder, invite_and_cancel());
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
  // Other spelling of the same values is still the same (19.1.4, 25.1).
  auto w = invite_and_cancel();
  edit(w[1].text, "To: <sip:bob@example.test>", "To: <sip:bob@EXAMPLE.TEST> ");
  edit(w[1].text, "CANCEL sip:bob@example.test", "CANCEL sip:bob@Example.Test");
  v = run(kCancelLadder, w);
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
}

TEST(Rfc3261Cancel, EachFieldMustEqualTheInvites) {
  auto w = invite_and_cancel();
  edit(w[1].text, "CANCEL sip:bob@example.test", "CANCEL sip:carol@example.test");
  edit(w[1].text, "To: <sip:bob@example.test>", "To: <sip:bob@example.test>;tag=x");
  edit(w[1].text, "CSeq: 1 CANCEL", "CSeq: 2 CANCEL");
  edit(w[1].text, "branch=z9hG4bKa1", "branch=z9hG4bKa1;x=y");
  Verdict v = run(kCancelLadder, w);
  EXPECT_EQ(failures(v),
            (std::vector<std::string>{
                "F2: RFC 3261 9.1: the CANCEL's Request-URI must equal its INVITE's (frame 1): "
                "expected 'sip:bob@example.test', seen 'sip:carol@example.test'",
                "F2: RFC 3261 9.1: the CANCEL's To must equal its INVITE's (frame 1): expected "
                "'<sip:bob@example.test>', seen '<sip:bob@example.test>;tag=x'",
                "F2: RFC 3261 9.1: the CANCEL's CSeq number must equal its INVITE's (frame 1): "
                "expected 1, seen 2",
                "F2: RFC 3261 9.1: the CANCEL must carry one Via, its INVITE's top Via (frame 1): "
                "expected 'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1', seen [SIP/2.0/UDP "
                "10.0.0.1:5060;branch=z9hG4bKa1;x=y]"}));
  ASSERT_FALSE(v.failures.empty());
  EXPECT_EQ(v.failures.front().frame, 2u);
}

TEST(Rfc3261Cancel, CallIdAndFromToo) {
  auto w = invite_and_cancel();
  edit(w[1].text, "tag=fa", "tag=fb");
  Verdict v = run(kCancelLadder, w);
  EXPECT_TRUE(fails_with(v,
                         "F2: RFC 3261 9.1: the CANCEL's From must equal its INVITE's (frame 1): "
                         "expected '<sip:alice@example.test>;tag=fa', seen "
                         "'<sip:alice@example.test>;tag=fb'"));
  w = invite_and_cancel();
  edit(w[1].text, "Call-ID: call-1", "Call-ID: call-2");
  v = run(kCancelLadder, w);
  EXPECT_TRUE(
      fails_with(v,
                 "F2: RFC 3261 9.1: the CANCEL's Call-ID must equal its INVITE's (frame 1): "
                 "expected 'call-1', seen 'call-2'"));
}

const char* kRejectLadder = R"(name: reject
roles: [A, P: proxy]
steps:
  - {id: F1, from: A, to: P, request: INVITE}
  - {id: F2, from: P, to: A, response: 486}
  - {id: F3, from: A, to: P, request: ACK}
)";

std::vector<Wire> rejected(bool ack_route) {
  auto w = basic_call();
  std::string invite = w[F1].text;
  edit(invite, "Max-Forwards: 70\r\n", "Route: <sip:10.0.0.2;lr>\r\nMax-Forwards: 70\r\n");
  std::string busy =
      "SIP/2.0 486 Busy Here\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n"
      "From: <sip:alice@example.test>;tag=fa\r\nCall-ID: call-1\r\nTo: "
      "<sip:bob@example.test>;tag=tb\r\n"
      "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
  std::string ack =
      "ACK sip:bob@example.test SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKa1\r\n" +
      std::string(ack_route ? "Route: <sip:10.0.0.2;lr>\r\n" : "") +
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=fa\r\nCall-ID: call-1\r\n"
      "To: <sip:bob@example.test>;tag=tb\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n";
  return {{"A", "P", invite, 0}, {"P", "A", busy, 0.1}, {"A", "P", ack, 0.2}};
}

TEST(Rfc3261Ack, NonTwoHundredAckCarriesTheInvitesRoute) {
  Verdict ok = run(kRejectLadder, rejected(true));
  EXPECT_TRUE(ok.passed) << ::testing::PrintToString(failures(ok));
  Verdict v = run(kRejectLadder, rejected(false));
  EXPECT_EQ(failures(v),
            std::vector<std::string>{
                "F3: RFC 3261 17.1.1.3: the ACK for a 486 must carry the INVITE's "
                "Route header fields (frame 1): expected [<sip:10.0.0.2;lr>], seen []"});
}

const char* kTwoRequests = R"(name: two
roles: [A, P: proxy]
steps:
  - {id: F1, from: A, to: P, request: OPTIONS}
  - {id: F2, from: A, to: P, request: MESSAGE}
)";

TEST(Rfc3261Branch, ANewRequestReusingABranchFailsAsTheUacsRule) {
  std::string options =
      "OPTIONS sip:p@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKsame\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=f1\r\nTo: <sip:p@10.0.0.2>\r\n"
      "Call-ID: o-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  std::string message = options;
  edit(message, "OPTIONS sip", "MESSAGE sip");
  edit(message, "CSeq: 1 OPTIONS", "CSeq: 2 MESSAGE");
  Verdict v = run(kTwoRequests, {{"A", "P", options, 0}, {"A", "P", message, 1}});
  EXPECT_EQ(failures(v), std::vector<std::string>{
                             "F2: RFC 3261 8.1.1.7: a new request's branch must be unique, but "
                             "'z9hG4bKsame' is also that of OPTIONS CSeq 1 at frame 1"});
  edit(message, "branch=z9hG4bKsame", "branch=z9hG4bKother");
  v = run(kTwoRequests, {{"A", "P", options, 0}, {"A", "P", message, 1}});
  EXPECT_TRUE(v.passed) << ::testing::PrintToString(failures(v));
}

TEST(Rfc3261Branch, AProxyReusingABranchFailsAsTheProxysRule) {
  auto w = basic_call();
  // The proxy forwards B's BYE with the branch of its INVITE forward, and the 200 follows.
  edit(w[F11].text, "branch=z9hG4bKp3", "branch=z9hG4bKp1");
  edit(w[F12].text, "branch=z9hG4bKp3", "branch=z9hG4bKp1");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F11: RFC 3261 16.6 step 8: the branch of the Via a proxy adds must be "
                         "unique, but 'z9hG4bKp1' is also that of INVITE CSeq 1 at frame 3"));
}

// The ACK a proxy forwards for a 2xx reusing its INVITE's branch breaks 16.6 step 8, not the
// UAC's 13.2.2.4.
TEST(Rfc3261Branch, ProxysAckForwardIsCitedAsTheProxysRule) {
  auto w = basic_call();
  edit(w[F9].text, "branch=z9hG4bKp2", "branch=z9hG4bKp1");
  Verdict v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F9: the ACK for a 2xx is a new transaction, but it reuses the INVITE's "
                         "branch 'z9hG4bKp1' (RFC 3261 16.6 step 8)"));
  w = basic_call();
  edit(w[F8].text, "branch=z9hG4bKa2", "branch=z9hG4bKa1");
  edit(w[F9].text, "branch=z9hG4bKa2", "branch=z9hG4bKa1");
  v = run(basic_ladder(), w);
  EXPECT_TRUE(fails_with(v,
                         "F8: the ACK for a 2xx is a new transaction, but it reuses the INVITE's "
                         "branch 'z9hG4bKa1' (RFC 3261 13.2.2.4)"));
}

// RFC 3261 18.3: octets past Content-Length in a datagram are discarded, not a body
// (RFC 4475 3.1.1.8); on a stream the count must match.
TEST(Rfc3261Rules, TrailingOctetsOfADatagramAreNotBody) {
  std::string bytes =
      "OPTIONS sip:p@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKd\r\n"
      "Max-Forwards: 70\r\nFrom: <sip:alice@example.test>;tag=f1\r\nTo: <sip:p@10.0.0.2>\r\n"
      "Call-ID: d-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\nJUNK AFTER THE MESSAGE";
  sip::Message m(bytes);
  EXPECT_TRUE(check_rules(m, core::Transport::udp).empty());
  auto tcp = check_rules(m, core::Transport::tcp);
  ASSERT_EQ(tcp.size(), 1u);
  EXPECT_EQ(tcp[0].message, "Content-Length 0 but the body has 22 bytes");
}

}  // namespace
}  // namespace ladder::checker
