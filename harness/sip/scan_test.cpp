#include <gtest/gtest.h>

#include "sip/sip.h"
#include "sip/torture_messages.h"

namespace ladder::sip {
namespace {

using testing::msg;

TEST(Scan, TypicalInvite) {
  std::string bytes = msg({"INVITE sip:bob@biloxi.example.com SIP/2.0",
                           "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds",
                           "Max-Forwards: 70",
                           "To: Bob <sip:bob@biloxi.example.com>",
                           "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774",
                           "Call-ID: a84b4c76e66710@pc33.atlanta.example.com",
                           "CSeq: 314159 INVITE",
                           "Content-Type: application/sdp",
                           "Content-Length: 88"},
                          testing::kSdp);
  Summary s = scan(bytes);
  EXPECT_EQ(s.problem, nullptr);
  EXPECT_TRUE(s.is_request);
  EXPECT_EQ(s.method, "INVITE");
  EXPECT_EQ(s.request_uri, "sip:bob@biloxi.example.com");
  EXPECT_EQ(s.call_id, "a84b4c76e66710@pc33.atlanta.example.com");
  EXPECT_EQ(s.cseq, 314159u);
  EXPECT_EQ(s.cseq_method, "INVITE");
  EXPECT_EQ(s.via_branch, "z9hG4bK776asdhds");
  EXPECT_EQ(s.from_tag, "1928301774");
  EXPECT_EQ(s.to_tag, "");
  EXPECT_TRUE(s.has_content_length);
  EXPECT_EQ(s.content_length, 88u);
  EXPECT_EQ(s.body_size, 88u);
}

TEST(Scan, ResponseWithoutReason) {
  std::string s_bytes = msg({"SIP/2.0 200", "v:SIP/2.0/UDP h;branch=z9hG4bKx", "f:<sip:a@h>;tag=1",
                        "t:<sip:b@h>;tag=2", "i:c", "CSeq:1 BYE"});
  Summary s = scan(s_bytes);
  EXPECT_EQ(s.problem, nullptr);
  EXPECT_FALSE(s.is_request);
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(s.reason, "");
  EXPECT_EQ(s.call_id, "c");
  EXPECT_EQ(s.to_tag, "2");
  EXPECT_FALSE(s.has_content_length);
}

TEST(Scan, TopViaIsFirstValueOfFirstLine) {
  std::string s_bytes = msg({"SIP/2.0 200 OK",
                        "VIA: SIP/2.0/UDP a;branch=z9hG4bKtop, SIP/2.0/UDP b;branch=z9hG4bKnext",
                        "Via: SIP/2.0/UDP c;branch=z9hG4bKlast", "From: <sip:a@h>;tag=1",
                        "To: <sip:b@h>", "Call-ID: c", "CSeq: 1 BYE"});
  Summary s = scan(s_bytes);
  EXPECT_EQ(s.via_branch, "z9hG4bKtop");
  std::string none_bytes = msg({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP a, SIP/2.0/UDP b;branch=z9hG4bKb",
                           "From: <sip:a@h>;tag=1", "To: <sip:b@h>", "Call-ID: c",
                           "CSeq: 1 BYE"});
  Summary none = scan(none_bytes);
  EXPECT_EQ(none.via_branch, "") << "a branch in the second Via is not the top Via's";
}

TEST(Scan, TagsOutsideQuotesAndAngleBrackets) {
  std::string s_bytes = msg({"BYE sip:b@h SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1",
                        "From: \"x;tag=no <sip:no@no>\" <sip:a@h;tag=alsono>;tag=yes",
                        "To: sip:b@h;tag=bare", "Call-ID: c", "CSeq: 2 BYE"});
  Summary s = scan(s_bytes);
  EXPECT_EQ(s.from_tag, "yes");
  EXPECT_EQ(s.to_tag, "bare");
}

TEST(Scan, FoldedAndSpacedValues) {
  std::string s_bytes = msg({"BYE sip:b@h SIP/2.0", "Via   :   SIP/2.0/UDP h", " ;branch=z9hG4bKf",
                        "From\t: <sip:a@h>", " ;tag=ft", "To: <sip:b@h>", "Call-ID :  c-1  ",
                        "CSeq:  7", "\tBYE", "Content-Length :  3"},
                       "xyz");
  Summary s = scan(s_bytes);
  EXPECT_EQ(s.problem, nullptr) << s.problem;
  EXPECT_EQ(s.via_branch, "z9hG4bKf");
  EXPECT_EQ(s.from_tag, "ft");
  EXPECT_EQ(s.call_id, "c-1");
  EXPECT_EQ(s.cseq, 7u);
  EXPECT_EQ(s.cseq_method, "BYE");
  EXPECT_EQ(s.content_length, 3u);
}

TEST(Scan, BareLineFeeds) {
  Summary s = scan("OPTIONS sip:b@h SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKlf\nFrom: "
                   "<sip:a@h>;tag=1\nTo: <sip:b@h>\nCall-ID: lf\nCSeq: 1 OPTIONS\nl: 2\n\nok");
  EXPECT_EQ(s.problem, nullptr);
  EXPECT_EQ(s.call_id, "lf");
  EXPECT_EQ(s.body_size, 2u);
}

TEST(Scan, Problems) {
  std::string ok_tail = "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\n";
  EXPECT_STREQ(scan("garbage\r\n\r\n").problem, "not a SIP start line");
  EXPECT_STREQ(scan("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" + ok_tail + "\r\n").problem,
               "no CSeq header");
  EXPECT_STREQ(scan("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" + ok_tail + "CSeq: BYE\r\n\r\n")
                   .problem,
               "CSeq is not 'number method'");
  EXPECT_STREQ(
      scan("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" + ok_tail + "CSeq: 99999999999 BYE\r\n\r\n")
          .problem,
      "CSeq is not 'number method'");
  EXPECT_STREQ(scan("BYE sip:b@h SIP/2.0\r\n" + ok_tail + "CSeq: 1 BYE\r\n\r\n").problem,
               "no Via header");
  EXPECT_STREQ(scan("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" + ok_tail +
                    "CSeq: 1 BYE\r\nContent-Length: 1x\r\n\r\n")
                   .problem,
               "Content-Length is not a number");
  EXPECT_STREQ(scan("BYE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n" + ok_tail +
                    "CSeq: 1 BYE\r\nContent-Length: 5\r\n\r\nabcd")
                   .problem,
               "Content-Length is larger than the body");
}

TEST(Scan, NoBlankLineMeansNoBody) {
  Summary s = scan("SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: "
                   "<sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\n");
  EXPECT_EQ(s.problem, nullptr);
  EXPECT_EQ(s.body_size, 0u);
  EXPECT_EQ(s.cseq_method, "INVITE");
}

// The fast ";branch=" search must not take text inside a quoted parameter value, nor a later
// Via's branch; odd spellings fall back to the full parameter parser.
TEST(Scan, BranchAndTagFastPathFallsBackSafely) {
  Summary s = scan(
      "OPTIONS sip:h SIP/2.0\r\n"
      "Via: SIP/2.0/UDP h;x=\"a;branch=fake\";branch=z9hG4bKreal, SIP/2.0/UDP g;branch=z9hG4bKg\r\n"
      "From: \"x;tag=no\" <sip:a@h>;TAG=yes\r\nTo: <sip:b@h>; tag = spaced\r\n"
      "Call-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  EXPECT_EQ(s.via_branch, "z9hG4bKreal");
  EXPECT_EQ(s.from_tag, "yes");
  EXPECT_EQ(s.to_tag, "spaced");
  Summary later = scan(
      "OPTIONS sip:h SIP/2.0\r\nVia: SIP/2.0/UDP h, SIP/2.0/UDP g;branch=z9hG4bKg\r\n"
      "From: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n");
  EXPECT_EQ(later.via_branch, "");
}

// call_id_of() stops at the Call-ID line but must agree with scan() on every form of it.
TEST(Scan, CallIdOfAgreesWithScan) {
  std::vector<std::string> cases = {
      msg({"BYE sip:b@h SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bKf", "Call-ID :  c-1  ",
           "Call-ID: second"}),
      msg({"SIP/2.0 200 OK", "i:compact@h", "CSeq: 1 BYE"}),
      msg({"BYE sip:b@h SIP/2.0", "CALL-ID: folded", " @h"}),
      "OPTIONS sip:b@h SIP/2.0\nTo: <sip:b@h>\ncall-id: lf\n\nCall-ID: in-body",
      msg({"BYE sip:b@h SIP/2.0", "Call-Info: <http://x>", "To: <sip:b@h>"}),
      "garbage without lines",
      "",
  };
  std::vector<std::string_view> expected = {"c-1", "compact@h", "folded\r\n @h", "lf", "", "", ""};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(call_id_of(cases[i]), expected[i]) << i;
    EXPECT_EQ(call_id_of(cases[i]), scan(cases[i]).call_id) << i;
  }
}

}  // namespace
}  // namespace ladder::sip
