// UDP payloads: SIP, keep-alives, and everything else.
#include <gtest/gtest.h>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

Bytes udp_frame(std::string_view payload, std::uint16_t port = 5060) {
  return ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(port, port, payload)));
}

TEST(Udp, NonSipPayloadsAreCountedNotReported) {
  Bytes rtp = {0x80, 0x00, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xfe};
  Bytes dns = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'w', 'w', 'w', 0, 0, 1, 0, 1};
  auto d = decode(LinkType::ethernet,
                  {udp_frame("TEST"),  // Sofia-SIP's 4-byte probe
                   ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp,
                                 udp(4000, 4002, std::string(rtp.begin(), rtp.end())))),
                   ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp,
                                 udp(5353, 53, std::string(dns.begin(), dns.end())))),
                   udp_frame("")});
  EXPECT_TRUE(d.messages.empty());
  EXPECT_TRUE(d.diagnostics.empty());
  EXPECT_EQ(d.stats.non_sip_payloads, 4u);
}

TEST(Udp, KeepalivesAreCounted) {
  auto d = decode(LinkType::ethernet, {udp_frame("\r\n\r\n"), udp_frame("\r\n")});
  EXPECT_EQ(d.stats.keepalives, 2u);
  EXPECT_EQ(d.stats.non_sip_payloads, 0u);
  EXPECT_TRUE(d.messages.empty());
}

TEST(Udp, SipIsFoundOnAnyPort) {
  std::string options = sip_request("OPTIONS", "port");
  auto d = decode(LinkType::ethernet, {udp_frame(options, 40123)});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].src, "10.0.0.1:40123");
}

TEST(Udp, SeveralMessagesInOneDatagram) {
  std::string a = sip_request("MESSAGE", "multi-1", "hello");
  std::string b = sip_response("200 OK", "multi-2");
  auto d = decode(LinkType::ethernet, {udp_frame(a + b)});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].bytes, a);
  EXPECT_EQ(d.messages[1].bytes, b);
  EXPECT_EQ(d.stats.sip_messages, 2u);
}

TEST(Udp, WithoutContentLengthTheBodyRunsToTheEndOfTheDatagram) {
  std::string m = "MESSAGE sip:b@example.com SIP/2.0\r\nCall-ID: nocl\r\n\r\nbody without a length";
  auto d = decode(LinkType::ethernet, {udp_frame(m)});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, m);
}

TEST(Udp, ContentLengthBeyondTheDatagramIsPassedOnIncomplete) {
  std::string m = "MESSAGE sip:b@example.com SIP/2.0\r\nContent-Length: 100\r\n\r\nshort";
  auto d = decode(LinkType::ethernet, {udp_frame(m)});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_TRUE(d.messages[0].incomplete);
  EXPECT_EQ(d.messages[0].bytes, m);
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{"capture: frame 1: warning: UDP 10.0.0.1:5060 -> "
                                     "10.0.0.2:5060: SIP message shorter than its headers say (" +
                                     std::to_string(m.size()) +
                                     " bytes in the datagram); passed on incomplete"});
}

TEST(Udp, PayloadPointsIntoTheFrame) {
  // The zero-copy promise: the callback sees the frame's own bytes.
  Bytes frame = udp_frame(sip_request("OPTIONS", "zc"));
  const char* seen = nullptr;
  Decoder decoder(
      LinkType::ethernet, {}, [&](const sip::WireBytes& p) { seen = p.bytes.data(); }, nullptr);
  decoder.feed(Frame{1, 0, frame, static_cast<std::uint32_t>(frame.size())});
  EXPECT_EQ(seen, reinterpret_cast<const char*>(frame.data()) + 14 + 20 + 8);
}

TEST(Udp, BogusUdpLength) {
  Bytes packet = ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, "OPTIONS"));
  packet[20 + 4] = 0x10;  // UDP length 0x100f: far more than the datagram
  auto d = decode(LinkType::raw, {packet});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               "capture: frame 1: warning: UDP length 4111 does not fit the 15 "
                               "bytes of the datagram; frame skipped"});
}

}  // namespace
}  // namespace ladder::capture
