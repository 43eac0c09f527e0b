#include "sip/framing.h"

#include <gtest/gtest.h>

#include <string>

namespace ladder::sip {
namespace {

TEST(ClassifyStart, RequestsAndResponses) {
  EXPECT_EQ(classify_start("INVITE sip:b@example.com SIP/2.0\r\nVia: x\r\n"), StartKind::request);
  EXPECT_EQ(classify_start("FOO-BAR sip:b@h SIP/2.0\r\n"), StartKind::request);
  EXPECT_EQ(classify_start("SIP/2.0 180 Ringing\r\n"), StartKind::response);
  EXPECT_EQ(classify_start("SIP/2.0 200\r\n"), StartKind::response);
}

TEST(ClassifyStart, NotSip) {
  EXPECT_EQ(classify_start("TEST"), StartKind::partial);  // a stream could still grow into SIP
  EXPECT_EQ(classify_start("TEST\r\n"), StartKind::none);
  EXPECT_EQ(classify_start("GET / HTTP/1.1\r\n"), StartKind::none);
  EXPECT_EQ(classify_start("\x80\x00\x12\x34"), StartKind::none);
  EXPECT_EQ(classify_start("SIP/2.0 20 OK\r\n"), StartKind::none);
  EXPECT_EQ(classify_start("INVITE  SIP/2.0\r\n"), StartKind::none);
  EXPECT_EQ(classify_start("\r\n\r\n"), StartKind::none);
}

// What is SIP is not the same as what is well-formed: a flawed start line is still SIP, so the
// capture keeps the message and the checker can report it (issue 14) instead of losing it.
TEST(ClassifyStart, FlawedStartLinesAreStillSip) {
  EXPECT_EQ(classify_start("SIP/2.0  200 OK\r\n"), StartKind::response);
  EXPECT_EQ(classify_start("SIP/2.0 4294967301 better not break the receiver\r\n"),
            StartKind::response);
  EXPECT_EQ(classify_start("INVITE  sip:user@example.com  SIP/2.0\r\n"), StartKind::request);
  EXPECT_EQ(classify_start("OPTIONS sip:t@example.com SIP/2.0  \r\n"), StartKind::request);
  EXPECT_EQ(classify_start("OPTIONS sip:t@example.org SIP/7.0\r\n"), StartKind::request);
  EXPECT_EQ(classify_start("sip/2.0 200 OK\r\n"), StartKind::response);
}

TEST(StartLineProblem, WellFormedLines) {
  EXPECT_EQ(start_line_problem("INVITE sip:b@example.com SIP/2.0\r\nVia: x\r\n"), nullptr);
  EXPECT_EQ(start_line_problem("SIP/2.0 180 Ringing\r\n"), nullptr);
  EXPECT_EQ(start_line_problem("SIP/2.0 100 \r\n"), nullptr);
  EXPECT_EQ(start_line_problem("SIP/2.0 200\r\n"), nullptr);
  // RFC 3261 7.1: the SIP-Version string is case-insensitive.
  EXPECT_EQ(start_line_problem("sip/2.0 200 OK\r\n"), nullptr);
  EXPECT_EQ(start_line_problem("BYE sip:b@h Sip/2.0\r\n"), nullptr);
  EXPECT_EQ(start_line_problem("INVITE tel:+1-201-555-0123 SIP/2.0\r\n"), nullptr);
}

TEST(StartLineProblem, NamesTheFlaw) {
  EXPECT_STREQ(start_line_problem("SIP/2.0  200 OK\r\n"), "the status line has extra whitespace");
  EXPECT_STREQ(start_line_problem("SIP/2.0 200  OK\r\n"), nullptr);  // reason may hold SPs
  EXPECT_STREQ(start_line_problem("SIP/2.0 4294967301 big\r\n"),
               "the status code is not three digits");
  EXPECT_STREQ(start_line_problem("SIP/3.0 200 OK\r\n"), "the SIP version is not SIP/2.0");
  EXPECT_STREQ(start_line_problem("INVITE  sip:user@example.com  SIP/2.0\r\n"),
               "the request line has extra whitespace");
  EXPECT_STREQ(start_line_problem("OPTIONS sip:t@example.com SIP/2.0  \r\n"),
               "the request line ends in whitespace");
  EXPECT_STREQ(start_line_problem("INVITE sip:user@example.com; lr SIP/2.0\r\n"),
               "the Request-URI contains whitespace");
  EXPECT_STREQ(start_line_problem("INVITE <sip:user@example.com> SIP/2.0\r\n"),
               "the Request-URI does not start with a scheme");
  EXPECT_STREQ(start_line_problem("OPTIONS sip:t@example.org SIP/7.0\r\n"),
               "the SIP version is not SIP/2.0");
  EXPECT_STREQ(start_line_problem("INVITE\tsip:b@h SIP/2.0\r\n"),
               "the request line has whitespace other than single SPs");
  EXPECT_STREQ(start_line_problem("HELLO WORLD\r\n"), "not a SIP start line");
}

TEST(FrameLength, UsesContentLengthLongAndCompact) {
  std::string m = "MESSAGE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nhelloMORE";
  auto f = frame_length(m);
  ASSERT_EQ(f.state, FrameLength::State::complete);
  EXPECT_EQ(f.length, m.size() - 4);
  std::string c = "SIP/2.0 200 OK\r\nl:3\r\n\r\nabc";
  f = frame_length(c);
  ASSERT_EQ(f.state, FrameLength::State::complete);
  EXPECT_EQ(f.length, c.size());
}

TEST(FrameLength, NeedsMoreUntilBodyComplete) {
  std::string m = "SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  EXPECT_EQ(frame_length(m).state, FrameLength::State::need_more);
  EXPECT_EQ(frame_length("SIP/2.0 200 OK\r\nVia: x\r\n").state, FrameLength::State::need_more);
}

TEST(FrameLength, RejectsGarbageLength) {
  auto f = frame_length("SIP/2.0 200 OK\r\nContent-Length: ten\r\n\r\n");
  EXPECT_EQ(f.state, FrameLength::State::bad);
  EXPECT_STREQ(f.error, "Content-Length is not a number");
}

TEST(FindStart, SkipsToNextStartLine) {
  std::string s = "garbage body\r\nmore\r\nBYE sip:x@y SIP/2.0\r\n\r\n";
  EXPECT_EQ(find_start(s, 0), s.find("BYE"));
  EXPECT_EQ(find_start("nothing here\r\n", 0), std::string_view::npos);
}

}  // namespace
// header_end() looks at 16 bytes a step; every position of the blank line, across and at the
// edges of those steps, must give what a byte-by-byte search gives.
TEST(Framing, HeaderEndAgreesWithAPlainSearch) {
  auto plain = [](std::string_view b) -> std::size_t {
    for (std::size_t i = 0; i < b.size(); ++i) {
      if (b[i] != '\n') continue;
      if (i + 1 < b.size() && b[i + 1] == '\n') return i + 2;
      if (i + 2 < b.size() && b[i + 1] == '\r' && b[i + 2] == '\n') return i + 3;
    }
    return std::string_view::npos;
  };
  std::uint32_t seed = 12345;
  auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
  const char alphabet[] = {'a', '\r', '\n', 'a', 'a', ' '};
  for (int round = 0; round < 20000; ++round) {
    std::string b(next() % 70, 'a');
    for (char& c : b) c = alphabet[(next() >> 16) % sizeof alphabet];
    ASSERT_EQ(header_end(b), plain(b)) << testing::PrintToString(b);
  }
  std::string invite = "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n\r\nbody\r\n\r\n";
  EXPECT_EQ(header_end(invite), invite.find("body"));
}

}  // namespace ladder::sip
