#include <gtest/gtest.h>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

const std::string kOptions = sip_request("OPTIONS", "link-1");

Bytes udp4() { return ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5062, kOptions)); }
Bytes udp6() { return ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5062, kOptions)); }

void expect_one_options(const Decoded& d, const std::string& src, const std::string& dst) {
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  ASSERT_EQ(d.messages.size(), 1u);
  const Message& m = d.messages[0];
  EXPECT_EQ(m.bytes, kOptions);
  EXPECT_EQ(m.src, src);
  EXPECT_EQ(m.dst, dst);
  EXPECT_EQ(m.transport, core::Transport::udp);
  EXPECT_EQ(m.frame, 1u);
  EXPECT_EQ(m.first_frame, 1u);
  EXPECT_FALSE(m.incomplete);
}

void expect_v4(const Decoded& d) { expect_one_options(d, "10.0.0.1:5060", "10.0.0.2:5062"); }
void expect_v6(const Decoded& d) { expect_one_options(d, "[fd00::1]:5060", "[fd00::2]:5062"); }

TEST(Link, Ethernet) {
  expect_v4(decode(LinkType::ethernet, {ethernet(udp4())}));
  expect_v6(decode(LinkType::ethernet, {ethernet(udp6())}));
}

TEST(Link, EthernetMinimumFramePaddingIsIgnored) {
  // A short datagram padded to Ethernet's 60-byte minimum: the padding is not UDP payload.
  Bytes packet = ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5062, "\r\n"));
  Bytes frame = ethernet(packet);
  frame.resize(60, 0);
  auto d = decode(LinkType::ethernet, {frame});
  EXPECT_EQ(d.stats.keepalives, 1u);
  EXPECT_EQ(d.stats.non_sip_payloads, 0u);
}

TEST(Link, Vlan8021Q) { expect_v4(decode(LinkType::ethernet, {ethernet(udp4(), {{0x8100, 42}})})); }

TEST(Link, QinQ8021ad) {
  expect_v4(decode(LinkType::ethernet, {ethernet(udp4(), {{0x88a8, 100}, {0x8100, 42}})}));
  expect_v6(decode(LinkType::ethernet, {ethernet(udp6(), {{0x88a8, 100}, {0x8100, 42}})}));
}

TEST(Link, LinuxCookedV1) {
  expect_v4(decode(LinkType::linux_sll, {linux_sll(udp4())}));
  expect_v6(decode(LinkType::linux_sll, {linux_sll(udp6())}));
}

TEST(Link, LinuxCookedV2) {
  expect_v4(decode(LinkType::linux_sll2, {linux_sll2(udp4())}));
  expect_v6(decode(LinkType::linux_sll2, {linux_sll2(udp6())}));
}

TEST(Link, BsdNullInEitherHostByteOrder) {
  expect_v4(decode(LinkType::null_bsd, {null_bsd(udp4(), 2)}));
  expect_v4(decode(LinkType::null_bsd, {null_bsd(udp4(), 2, /*big_endian=*/true)}));
  for (std::uint32_t af_inet6 : {24u, 28u, 30u}) {
    expect_v6(decode(LinkType::null_bsd, {null_bsd(udp6(), af_inet6)}));
    expect_v6(decode(LinkType::null_bsd, {null_bsd(udp6(), af_inet6, true)}));
  }
}

TEST(Link, BsdLoopIsNetworkOrder) {
  expect_v4(decode(LinkType::loop, {loop(udp4(), 2)}));
  expect_v6(decode(LinkType::loop, {loop(udp6(), 24)}));
}

TEST(Link, RawIpAndItsAliases) {
  expect_v4(decode(LinkType::raw, {udp4()}));
  expect_v6(decode(LinkType::raw, {udp6()}));
  expect_v4(decode(LinkType::ipv4, {udp4()}));
  expect_v6(decode(LinkType::ipv6, {udp6()}));
  // libpcap reports LINKTYPE_RAW files as DLT_RAW: 12 (14 on OpenBSD).
  EXPECT_EQ(to_link_type(12), LinkType::raw);
  EXPECT_EQ(to_link_type(14), LinkType::raw);
  EXPECT_EQ(to_link_type(101), LinkType::raw);
  expect_v4(decode(static_cast<LinkType>(12), {udp4()}));
  EXPECT_TRUE(supported(276));
  EXPECT_FALSE(supported(147));
}

TEST(Link, NonIpFramesAreCountedQuietly) {
  Bytes arp(28, 0);
  Bytes llc(40, 0);
  auto d = decode(LinkType::ethernet,
                  {ethernet_type(0x0806, arp), ethernet_type(40, llc), ethernet(udp4())});
  EXPECT_EQ(d.stats.non_ip_frames, 2u);
  EXPECT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
}

TEST(Link, UnknownLinkTypeIsReportedOnce) {
  auto d = decode(static_cast<LinkType>(147), {udp4(), udp4(), udp4()});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               "capture: error: link type 147 is not supported; no frame of this "
                               "capture can be decoded"});
  EXPECT_EQ(d.stats.frames, 3u);
  EXPECT_TRUE(d.messages.empty());
}

TEST(Link, FrameShorterThanItsLinkHeader) {
  auto d = decode(LinkType::linux_sll2, {Bytes(10, 0)});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               "capture: frame 1: warning: frame too short for a Linux cooked v2 "
                               "header"});
  EXPECT_EQ(d.stats.damaged_frames, 1u);
}

}  // namespace
}  // namespace ladder::capture
