// IPv4 / IPv6 headers and IP tunnels, through the Decoder.
#include <gtest/gtest.h>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

const std::string kInvite = sip_request("INVITE", "ip-1", "v=0\r\n");

TEST(Ip, BogusIpv4TotalLengthSkipsTheFrameAndSaysWhy) {
  Ipv4Options bogus;
  bogus.total_length = 9000;
  Bytes bad = ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, "x"), bogus);
  bad.resize(46, 0);
  auto d = decode(
      LinkType::ethernet,
      {ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, kInvite))), ethernet(bad)});
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{"capture: frame 2: warning: IPv4 total length 9000 but only "
                                     "46 bytes captured; frame skipped"});
  EXPECT_EQ(d.stats.damaged_frames, 1u);
  ASSERT_EQ(d.messages.size(), 1u);  // the message before it still came out
  EXPECT_EQ(d.messages[0].bytes, kInvite);
}

TEST(Ip, Ipv4HeaderLengthBelowTwenty) {
  Bytes packet = ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, kInvite));
  packet[0] = 0x44;
  auto d = decode(LinkType::raw, {packet});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               "capture: frame 1: warning: IPv4 header length 16 is below 20"});
}

TEST(Ip, SnaplenCutIsNamed) {
  Bytes frame = ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, kInvite)));
  std::size_t wire = frame.size();
  frame.resize(64);
  Decoded d;
  Decoder decoder(LinkType::ethernet, {}, nullptr,
                  [&d](const core::Diagnostic& x) { d.diagnostics.push_back(x.format()); });
  decoder.feed(Frame{1, 0, frame, static_cast<std::uint32_t>(wire)});
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{"capture: frame 1: warning: IPv4 total length " +
                                     std::to_string(wire - 14) +
                                     " but only 50 bytes captured (the capture's snaplen cut it); "
                                     "frame skipped"});
}

TEST(Ip, Ipv6ExtensionHeadersAreWalked) {
  Bytes packet = ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5060, kInvite), {0, 43, 60});
  auto d = decode(LinkType::raw, {packet});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, kInvite);
}

TEST(Ip, Ipv6PayloadLengthLargerThanCaptured) {
  Bytes packet = ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5060, kInvite));
  packet.resize(60);
  auto d = decode(LinkType::raw, {packet});
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{"capture: frame 1: warning: IPv6 payload length " +
                                     std::to_string(8 + kInvite.size()) +
                                     " but only 20 bytes captured; frame skipped"});
}

TEST(Ip, OtherProtocolsAreCounted) {
  auto d = decode(LinkType::raw, {ipv4("10.0.0.1", "10.0.0.2", 1, Bytes(8, 0))});
  EXPECT_EQ(d.stats.other_protocols, 1u);
  EXPECT_TRUE(d.diagnostics.empty());
}

TEST(Tunnel, IpInIpReportsInnerEndpoints) {
  Bytes inner = ipv4("192.168.0.1", "192.168.0.2", kUdp, udp(5060, 5080, kInvite));
  auto d = decode(LinkType::ethernet, {ethernet(ipv4("10.0.0.1", "10.0.0.2", kIpInIp, inner))});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].src, "192.168.0.1:5060");
  EXPECT_EQ(d.messages[0].dst, "192.168.0.2:5080");
}

TEST(Tunnel, Ipv6InIpv4) {
  Bytes inner = ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5080, kInvite));
  auto d = decode(LinkType::ethernet, {ethernet(ipv4("10.0.0.1", "10.0.0.2", kIpv6InIp, inner))});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].src, "[fd00::1]:5060");
}

TEST(Tunnel, Ipv4AndIpv6InsideIpv6) {
  Bytes v4 = ipv4("192.168.0.1", "192.168.0.2", kUdp, udp(5060, 5080, kInvite));
  Bytes v6 = ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5080, kInvite));
  auto d = decode(LinkType::raw, {ipv6("2001:db8::1", "2001:db8::2", kIpInIp, v4),
                                  ipv6("2001:db8::1", "2001:db8::2", kIpv6InIp, v6)});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].src, "192.168.0.1:5060");
  EXPECT_EQ(d.messages[1].src, "[fd00::1]:5060");
}

TEST(Tunnel, DepthIsLimited) {
  Bytes p = ipv4("192.168.0.1", "192.168.0.2", kUdp, udp(5060, 5080, kInvite));
  for (int i = 0; i < 6; ++i) p = ipv4("10.0.0.1", "10.0.0.2", kIpInIp, p);
  auto d = decode(LinkType::raw, {p});
  EXPECT_TRUE(d.messages.empty());
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               "capture: frame 1: warning: IP tunnels nested deeper than 4; frame "
                               "skipped"});
}

TEST(Tunnel, FragmentedOuterPacketIsReassembledBeforeTheInnerOne) {
  Bytes inner = ipv4("192.168.0.1", "192.168.0.2", kUdp, udp(5060, 5080, kInvite));
  auto frags = ipv4_fragments("10.0.0.1", "10.0.0.2", kIpInIp, inner, 64);
  ASSERT_GT(frags.size(), 2u);
  auto d = decode(LinkType::raw, frags);
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].src, "192.168.0.1:5060");
  EXPECT_EQ(d.messages[0].frame, frags.size());
  EXPECT_EQ(d.messages[0].first_frame, 1u);
}

}  // namespace
}  // namespace ladder::capture
