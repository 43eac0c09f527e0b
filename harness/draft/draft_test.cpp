// The draft's logic on synthetic messages: what identifies a flow is kept, per-call values are
// not, noise is left out.
#include "draft/draft.h"

#include <gtest/gtest.h>

namespace ladder::draft {
namespace {

sip::WireMessage wire(std::uint64_t frame, const char* src, const char* dst, std::string text) {
  sip::Wire w{.frame = frame,
              .first_frame = frame,
              .time = static_cast<core::TimeNs>(frame) * 1'000'000,
              .src = *core::Endpoint::parse(src),
              .dst = *core::Endpoint::parse(dst)};
  return sip::WireMessage{w, sip::Message(std::move(text))};
}

std::string request(const std::string& method, const std::string& branch, int cseq,
                    const std::string& extra, const std::string& body = "") {
  return method + " sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=" + branch +
         "\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=fa\r\nTo: <sip:b@x>;tag=tb\r\n"
         "Call-ID: c1\r\nCSeq: " + std::to_string(cseq) + " " + method + "\r\n" + extra +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

std::string response(int status, const std::string& method, const std::string& branch, int cseq) {
  return "SIP/2.0 " + std::to_string(status) + " X\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=" +
         branch + "\r\nFrom: <sip:a@x>;tag=fa\r\nTo: <sip:b@x>;tag=tb\r\nCall-ID: c1\r\nCSeq: " +
         std::to_string(cseq) + " " + method + "\r\nContent-Length: 0\r\n\r\n";
}

TEST(Draft, KeepsWhatIdentifiesTheFlowAndLeavesNoiseOut) {
  const std::string sdp = "v=0\r\no=a 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\n"
                          "m=audio 4000 RTP/AVP 0\r\na=sendonly\r\n";
  std::vector<sip::WireMessage> m;
  m.push_back(wire(1, "10.0.0.1:5060", "10.0.0.2:5060",
                   request("INVITE", "z9hG4bK1", 1, "Content-Type: application/sdp\r\n", sdp)));
  m.push_back(wire(2, "10.0.0.2:5060", "10.0.0.1:5060", response(100, "INVITE", "z9hG4bK1", 1)));
  m.push_back(wire(3, "10.0.0.2:5060", "10.0.0.1:5060", response(200, "INVITE", "z9hG4bK1", 1)));
  m.push_back(wire(4, "10.0.0.2:5060", "10.0.0.1:5060", response(200, "INVITE", "z9hG4bK1", 1)));
  m.push_back(wire(5, "10.0.0.1:5060", "10.0.0.2:5060",
                   request("REFER", "z9hG4bK2", 2,
                           "Refer-To: <sip:carol@x.test?Replaces=abc%3Bto-tag%3Dx>\r\n")));
  m.push_back(wire(6, "10.0.0.2:5060", "10.0.0.1:5060", response(202, "REFER", "z9hG4bK2", 2)));
  m.push_back(wire(7, "10.0.0.2:5060", "10.0.0.1:5060",
                   request("NOTIFY", "z9hG4bK3", 3, "Event: refer;id=2\r\n")));
  Draft d = make_draft(m, {.name = "t", .source = "t.pcap"});
  ASSERT_EQ(d.steps.size(), 5u);  // no 100 Trying, no retransmitted 200
  EXPECT_EQ(d.roles.size(), 2u);
  EXPECT_EQ(d.steps[0].sdp_direction, "a=sendonly");
  EXPECT_EQ(d.steps[0].content_type, "application/sdp");
  EXPECT_EQ(d.steps[1].answers, "F1");
  EXPECT_EQ(d.steps[1].dialog, "call");
  ASSERT_FALSE(d.steps[2].headers.empty());
  EXPECT_EQ(d.steps[2].headers[0].name, "Refer-To");
  EXPECT_EQ(d.steps[2].headers[0].yaml, "{uri: {user: 'carol'}}");
  ASSERT_FALSE(d.steps[4].headers.empty());
  EXPECT_EQ(d.steps[4].headers[0].yaml, "{matches: '^refer\\b'}");  // the package, not the id
  std::string y = to_yaml(d);
  EXPECT_EQ(y.find("z9hG4bK"), std::string::npos) << y;  // no branch pinned
  EXPECT_EQ(y.find("tag"), std::string::npos) << y;
  EXPECT_EQ(y.find("c1"), std::string::npos) << y;  // no Call-ID pinned
  EXPECT_NE(y.find("# 1 100 Trying left out"), std::string::npos) << y;
  EXPECT_NE(y.find("# 1 retransmissions left out"), std::string::npos) << y;
}

}  // namespace
}  // namespace ladder::draft
