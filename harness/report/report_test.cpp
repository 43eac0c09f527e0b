#include "report/report.h"

#include <gtest/gtest.h>

namespace ladder::report {
namespace {

trace::Record request(std::uint64_t frame, const char* src, const char* dst, const char* method) {
  trace::Record r;
  r.frame = r.first_frame = frame;
  r.time = static_cast<core::TimeNs>(frame) * 1000000;  // 1 ms apart
  r.src = *core::Endpoint::parse(src);
  r.dst = *core::Endpoint::parse(dst);
  r.is_request = true;
  r.method = method;
  r.uri = "sip:bob@example.test";
  r.cseq = 1;
  r.cseq_method = method;
  r.call_id = "a84b4c76e66710";
  return r;
}

trace::Record response(std::uint64_t frame, const char* src, const char* dst, int status,
                       const char* reason) {
  trace::Record r = request(frame, src, dst, "INVITE");
  r.is_request = false;
  r.method.clear();
  r.status = status;
  r.reason = reason;
  return r;
}

TEST(RenderLadder, DrawsArrowsBetweenEndpointLanes) {
  std::vector<trace::Record> rs = {
      request(1, "10.0.0.1:5060", "10.0.0.2:5060", "INVITE"),
      response(2, "10.0.0.2:5060", "10.0.0.1:5060", 180, "Ringing"),
  };
  rs[1].retransmission = false;
  LadderOptions o;
  o.origin = 1000000;
  std::string text = render_ladder(rs, o);
  EXPECT_EQ(text,
            "  frame         time  10.0.0.1:5060           10.0.0.2:5060\n"
            "      1     0.000000  |--------INVITE-------->|  CSeq 1 INVITE  call a84b4c76e667"
            "  sip:bob@example.test\n"
            "      2     0.001000  |<-----180 Ringing------|  CSeq 1 INVITE  call a84b4c76e667\n");
}

TEST(RenderLadder, MarksRetransmissionsAndMalformed) {
  std::vector<trace::Record> rs = {request(1, "10.0.0.1:5060", "10.0.0.2:5060", "INVITE"),
                                   request(3, "10.0.0.1:5060", "10.0.0.2:5060", "INVITE")};
  rs[1].retransmission = true;
  rs[1].retransmission_of = 1;
  rs[1].malformed = true;
  rs[1].problem = "bad CSeq header";
  std::string text = render_ladder(rs, {});
  EXPECT_NE(text.find("[retransmission of frame 1]  [malformed: bad CSeq header]"),
            std::string::npos)
      << text;
}

TEST(RenderLadder, LongEndpointsGetShortNamesAndALegend) {
  std::vector<trace::Record> rs = {
      request(1, "[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060",
              "[fd17:625c:f037:2:a00:27ff:feb9:3519]:5062", "INVITE")};
  std::string text = render_ladder(rs, {});
  EXPECT_EQ(text.substr(0, text.find("  frame")),
            "  e1 = [fd17:625c:f037:2:a00:27ff:feb9:1521]:15060\n"
            "  e2 = [fd17:625c:f037:2:a00:27ff:feb9:3519]:5062\n");
}

TEST(RenderLadder, ManyEndpointsFallBackToOneLinePerMessage) {
  std::vector<trace::Record> rs;
  for (int i = 0; i < 8; ++i) {
    std::string src = "10.0.0." + std::to_string(i + 1) + ":5060";
    rs.push_back(request(static_cast<std::uint64_t>(i + 1), src.c_str(), "10.0.0.100:5060",
                         "OPTIONS"));
  }
  std::string text = render_ladder(rs, {});
  EXPECT_NE(text.find("10.0.0.8:5060 -> 10.0.0.100:5060  OPTIONS"), std::string::npos) << text;
}

TEST(RecordJson, StableFieldNames) {
  trace::Record r = response(2, "10.0.0.2:5060", "10.0.0.1:5060", 180, "Ringing");
  EXPECT_EQ(record_json(r, 0),
            R"({"frame":2,"time":0.002,"epoch":0.002,"src":"10.0.0.2:5060","dst":"10.0.0.1:5060",)"
            R"("transport":"udp","kind":"response","status":180,"reason":"Ringing","cseq":1,)"
            R"("cseq_method":"INVITE","call_id":"a84b4c76e66710","branch":"","size":0,)"
            R"("retransmission":false,"malformed":false})");
}

TEST(RecordJson, InvalidUtf8IsReplacedNotThrown) {
  trace::Record r = request(1, "10.0.0.1:5060", "10.0.0.2:5060", "INVITE");
  r.call_id = "bad\xff\xfe";
  EXPECT_NE(record_json(r, 0).find("\"call_id\":\"bad"), std::string::npos);
}

TEST(RenderStats, NamesWhatWasSkipped) {
  capture::DecodeStats s;
  s.frames = 691;
  s.sip_messages = 81;
  s.non_sip_payloads = 509;
  s.non_ip_frames = 44;
  EXPECT_EQ(render_stats(s),
            "81 SIP messages in 691 frames; skipped: 509 non-SIP payloads, 44 non-IP frames\n");
}

}  // namespace
}  // namespace ladder::report
