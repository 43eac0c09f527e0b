// TCP stream reassembly and SIP framing on streams, through the Decoder.
#include <gtest/gtest.h>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

// One direction of a connection 10.0.0.1:5060 -> 10.0.0.2:40000 and its reverse.
Bytes seg(std::uint32_t seq, std::string_view payload, TcpOptions o = {}) {
  return ethernet(ipv4("10.0.0.1", "10.0.0.2", kTcp, tcp(5060, 40000, seq, payload, o)));
}
Bytes ack_from_peer(std::uint32_t ack) {
  return ethernet(ipv4("10.0.0.2", "10.0.0.1", kTcp, tcp(40000, 5060, 7000, "", {kAck, ack})));
}

const std::string kInvite = sip_request("INVITE", "tcp-1", "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\n");
const std::string kOk = sip_response("200 OK", "tcp-2", "v=0\r\n");
const std::string kBye = sip_request("BYE", "tcp-3");

std::vector<std::string> start_lines(const Decoded& d) {
  std::vector<std::string> out;
  for (const auto& m : d.messages) out.push_back(m.start_line());
  return out;
}

TEST(Tcp, TwoMessagesInOneSegment) {
  auto d = decode(LinkType::ethernet, {seg(1000, "", {kSyn}), seg(1001, kInvite + kOk)});
  EXPECT_TRUE(d.diagnostics.empty());
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].bytes, kInvite);
  EXPECT_EQ(d.messages[1].bytes, kOk);
  for (const auto& m : d.messages) {
    EXPECT_EQ(m.frame, 2u);
    EXPECT_EQ(m.first_frame, 2u);
    EXPECT_EQ(m.transport, core::Transport::tcp);
    EXPECT_EQ(m.src, "10.0.0.1:5060");
    EXPECT_EQ(m.dst, "10.0.0.2:40000");
    EXPECT_FALSE(m.incomplete);
  }
}

TEST(Tcp, OneMessageAcrossThreeSegments) {
  std::string a = kInvite.substr(0, 30), b = kInvite.substr(30, 60), c = kInvite.substr(90);
  auto d = decode(LinkType::ethernet,
                  {seg(1, a), seg(1 + 30, b), seg(1 + 90, c + kBye.substr(0, 10)),
                   seg(1 + static_cast<std::uint32_t>(kInvite.size()) + 10, kBye.substr(10))});
  EXPECT_TRUE(d.diagnostics.empty());
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].bytes, kInvite);
  EXPECT_EQ(d.messages[0].first_frame, 1u);
  EXPECT_EQ(d.messages[0].frame, 3u);
  EXPECT_EQ(d.messages[1].bytes, kBye);
  EXPECT_EQ(d.messages[1].first_frame, 3u);
  EXPECT_EQ(d.messages[1].frame, 4u);
}

TEST(Tcp, OutOfOrderSegmentsWaitForTheHole) {
  std::string all = kInvite + kOk;
  std::uint32_t base = 5000;
  auto part = [&](std::size_t from, std::size_t n) {
    return seg(base + static_cast<std::uint32_t>(from), all.substr(from, n));
  };
  std::size_t n1 = 100, n2 = 100;
  auto d =
      decode(LinkType::ethernet, {part(0, n1), part(n1 + n2, std::string::npos), part(n1, n2)});
  EXPECT_TRUE(d.diagnostics.empty());
  EXPECT_EQ(start_lines(d),
            (std::vector<std::string>{"INVITE sip:b@example.com SIP/2.0", "SIP/2.0 200 OK"}));
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].bytes, kInvite);
  EXPECT_EQ(d.messages[1].bytes, kOk);
  EXPECT_EQ(d.messages[0].frame, 3u);  // completed when the hole filled
  EXPECT_EQ(d.messages[0].first_frame, 1u);
  EXPECT_EQ(d.stats.tcp_gaps, 0u);
}

TEST(Tcp, RetransmittedAndOverlappingBytesAreDropped) {
  std::uint32_t s = 1;
  auto d = decode(LinkType::ethernet,
                  {seg(s, kInvite.substr(0, 50)), seg(s, kInvite.substr(0, 50)),
                   seg(s + 40, kInvite.substr(40)),  // overlaps 10 bytes already taken
                   seg(s, kInvite),                  // whole message again
                   seg(s + static_cast<std::uint32_t>(kInvite.size()), kBye)});
  EXPECT_TRUE(d.diagnostics.empty());
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].bytes, kInvite);
  EXPECT_EQ(d.messages[1].bytes, kBye);
  EXPECT_EQ(d.stats.tcp_retransmissions, 3u);
}

TEST(Tcp, SequenceNumbersWrapAround) {
  std::uint32_t s = 0xffffff00u;
  std::uint32_t next = s + static_cast<std::uint32_t>(kInvite.size());  // wraps past zero
  auto d = decode(LinkType::ethernet, {seg(s, "", {kSyn}), seg(s + 1, kInvite.substr(0, 200)),
                                       seg(s + 1 + 200, kInvite.substr(200)), seg(next + 1, kBye)});
  EXPECT_TRUE(d.diagnostics.empty());
  EXPECT_EQ(start_lines(d), (std::vector<std::string>{"INVITE sip:b@example.com SIP/2.0",
                                                      "BYE sip:b@example.com SIP/2.0"}));
}

TEST(Tcp, GapThatNeverFillsIsReportedAtFinishAndFramingResyncs) {
  // INVITE, then the first 1200 bytes after it are lost (the rest of a MESSAGE and the start of
  // nothing else), then a BYE.
  std::string message = sip_request("MESSAGE", "tcp-lost", std::string(1298, 'm') + "\r\n");
  std::uint32_t s = 1;
  std::uint32_t after_invite = s + static_cast<std::uint32_t>(kInvite.size());
  std::uint32_t lost_at = after_invite + 100;
  std::uint32_t resume = lost_at + 1200;
  std::string tail = message.substr(1300) + kBye;
  auto d = decode(LinkType::ethernet,
                  {seg(s, kInvite), seg(after_invite, message.substr(0, 100)), seg(resume, tail)});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               "capture: frame 3: warning: TCP 10.0.0.1:5060 -> "
                               "10.0.0.2:40000: 1200 bytes missing before seq " +
                               std::to_string(resume) + "; skipping to the next SIP message"});
  EXPECT_EQ(d.stats.tcp_gaps, 1u);
  ASSERT_EQ(d.messages.size(), 3u);
  EXPECT_EQ(d.messages[0].bytes, kInvite);
  EXPECT_EQ(d.messages[1].bytes, message.substr(0, 100));  // the part before the hole
  EXPECT_TRUE(d.messages[1].incomplete);
  EXPECT_EQ(d.messages[1].first_frame, 2u);
  EXPECT_EQ(d.messages[2].bytes, kBye);
  EXPECT_FALSE(d.messages[2].incomplete);
  EXPECT_EQ(d.messages[2].frame, 3u);
}

TEST(Tcp, GapIsGivenUpWhenThePeerAcknowledgesBytesNeverSeen) {
  std::uint32_t s = 1;
  std::uint32_t after_invite = s + static_cast<std::uint32_t>(kInvite.size());
  std::uint32_t resume = after_invite + 500;
  auto d =
      decode(LinkType::ethernet, {seg(s, kInvite), seg(resume, kBye),
                                  ack_from_peer(resume + static_cast<std::uint32_t>(kBye.size()))});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].bytes, kBye);
  EXPECT_EQ(d.messages[1].frame, 2u);
  // Reported while decoding (at the ACK in frame 3), not held back to the end.
  EXPECT_EQ(d.diagnostics.size(), 1u);
  EXPECT_EQ(d.stats.tcp_gaps, 1u);
}

TEST(Tcp, LineTailAfterAGapIsNotTakenForAStartLine) {
  // The hole ends inside "Subject: please BYE sip:x SIP/2.0"; what follows it, "ase BYE sip:x
  // SIP/2.0", is shaped like a request line but is the tail of a header.
  std::string notify = sip_request("NOTIFY", "tail", "Subject: please BYE sip:x SIP/2.0\r\n");
  std::size_t cut = notify.find("ase BYE");
  std::uint32_t s = 1;
  std::uint32_t resume = s + static_cast<std::uint32_t>(cut);
  auto d = decode(LinkType::ethernet,
                  {seg(s, notify.substr(0, 40)), seg(resume, notify.substr(cut) + kBye)});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_TRUE(d.messages[0].incomplete);
  EXPECT_EQ(d.messages[1].bytes, kBye);
}

TEST(Tcp, StreamJoinedMidMessageResyncsQuietly) {
  // The capture starts in the middle of an INVITE's headers.
  std::string tail = kInvite.substr(40);
  auto d = decode(LinkType::ethernet,
                  {seg(777, tail + kOk.substr(0, 20)),
                   seg(777 + static_cast<std::uint32_t>(tail.size()) + 20, kOk.substr(20))});
  EXPECT_TRUE(d.diagnostics.empty());
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, kOk);
  EXPECT_EQ(d.messages[0].first_frame, 1u);
  EXPECT_EQ(d.messages[0].frame, 2u);
}

TEST(Tcp, NonSipStreamIsIgnoredWithoutNoise) {
  auto d =
      decode(LinkType::ethernet, {seg(1, "220 FTP server ready\r\n"), seg(23, "USER anonymous\r\n"),
                                  seg(39, "PASS x\r\nbinary\x01\x02\x03 without end")});
  EXPECT_TRUE(d.diagnostics.empty());
  EXPECT_TRUE(d.messages.empty());
}

TEST(Tcp, PartialMessageAtEndOfCaptureIsPassedOnIncomplete) {
  auto d =
      decode(LinkType::ethernet,
             {seg(1, kOk), seg(1 + static_cast<std::uint32_t>(kOk.size()), kInvite.substr(0, 70))});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].bytes, kInvite.substr(0, 70));
  EXPECT_TRUE(d.messages[1].incomplete);
  EXPECT_EQ(d.messages[1].frame, 2u);
  EXPECT_TRUE(d.diagnostics.empty());
}

TEST(Tcp, FinEndsTheStreamAndPassesOnThePartialMessage) {
  std::uint32_t s = 1;
  auto d = decode(LinkType::ethernet, {seg(s, kInvite.substr(0, 70), {kAck | kFin}),
                                       seg(s, kBye)});  // after FIN: stale
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_TRUE(d.messages[0].incomplete);
}

TEST(Tcp, KeepalivesBetweenMessagesAreCounted) {
  std::string data = kInvite + "\r\n\r\n" + kBye;
  auto d = decode(LinkType::ethernet, {seg(1, data)});
  EXPECT_EQ(start_lines(d).size(), 2u);
  EXPECT_EQ(d.stats.keepalives, 1u);
}

TEST(Tcp, BothDirectionsAreSeparateStreams) {
  Bytes back = ethernet(ipv4("10.0.0.2", "10.0.0.1", kTcp, tcp(40000, 5060, 9, kOk)));
  auto d = decode(LinkType::ethernet, {seg(1, kInvite), back});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].src, "10.0.0.2:40000");
}

TEST(Tcp, OutOfOrderBufferIsBounded) {
  DecoderOptions options;
  options.max_stream_buffer = 1000;
  std::uint32_t s = 1;
  std::uint32_t after = s + static_cast<std::uint32_t>(kInvite.size());
  std::vector<Bytes> frames = {seg(s, kInvite)};
  // A hole of 10 bytes, then 3 x 400 bytes of filler waiting behind it, then a BYE.
  std::uint32_t at = after + 10;
  for (int i = 0; i < 3; ++i, at += 400) frames.push_back(seg(at, std::string(398, 'z') + "\r\n"));
  frames.push_back(seg(at, kBye));
  auto d = decode(LinkType::ethernet, frames, options);
  EXPECT_EQ(d.stats.tcp_gaps, 1u);
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].bytes, kBye);
  EXPECT_EQ(d.messages[1].frame, 5u);  // delivered when it arrived, not at finish()
}

// Issue 14: a message cut by the size cap was reported as if the stream had ended inside it.
TEST(Tcp, Issue14MessageOverTheCapSaysTheCapWasReached) {
  const std::string head =
      "MESSAGE sip:b@10.0.0.2 SIP/2.0\r\nCall-ID: big\r\nCSeq: 1 MESSAGE\r\n"
      "Content-Length: 5000\r\n\r\n";
  DecoderOptions options;
  options.max_stream_buffer = 1024;
  std::uint32_t at = 1 + static_cast<std::uint32_t>(head.size());
  auto d =
      decode(LinkType::ethernet,
             {seg(1, head), seg(at, std::string(600, 'x')), seg(at + 600, std::string(600, 'y'))},
             options);
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_TRUE(d.messages[0].incomplete);
  EXPECT_EQ(d.messages[0].bytes.size(), head.size() + 1200);
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{
                "capture: frame 3: warning: TCP 10.0.0.1:5060 -> 10.0.0.2:40000: message larger "
                "than the 1 KiB limit for one SIP message over TCP; cut at " +
                std::to_string(head.size() + 1200) + " bytes and passed on incomplete"});
}

TEST(Tcp, TheDefaultCapIsOneMebibyte) {
  const std::string head =
      "MESSAGE sip:b@10.0.0.2 SIP/2.0\r\nCall-ID: big\r\nCSeq: 1 MESSAGE\r\n"
      "Content-Length: 2000000\r\n\r\n";
  std::vector<Bytes> frames = {seg(1, head)};
  std::uint32_t at = 1 + static_cast<std::uint32_t>(head.size());
  for (int i = 0; i < 20; ++i, at += 60000) frames.push_back(seg(at, std::string(60000, 'z')));
  auto d = decode(LinkType::ethernet, frames);
  ASSERT_FALSE(d.diagnostics.empty());
  EXPECT_NE(d.diagnostics[0].find("message larger than the 1 MiB limit for one SIP message over "
                                  "TCP; cut at "),
            std::string::npos)
      << d.diagnostics[0];
}

}  // namespace
}  // namespace ladder::capture
