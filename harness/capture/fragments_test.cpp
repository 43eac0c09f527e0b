// IPv4 and IPv6 fragment reassembly, through the Decoder.
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

std::string big_invite(const std::string& call_id) {
  return sip_request("INVITE", call_id, std::string(3000, 'a') + "\r\n");
}

TEST(Fragments, Ipv4InOrder) {
  std::string invite = big_invite("f4");
  auto frags = ipv4_fragments("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, invite), 1480);
  ASSERT_EQ(frags.size(), 3u);
  auto d = decode(LinkType::raw, frags);
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, invite);
  EXPECT_EQ(d.messages[0].frame, 3u);        // the fragment that completed it
  EXPECT_EQ(d.messages[0].first_frame, 1u);  // the first fragment
  EXPECT_EQ(d.stats.fragments, 3u);
  EXPECT_EQ(d.stats.reassembled, 1u);
}

TEST(Fragments, Ipv4OutOfOrderAndDuplicated) {
  std::string invite = big_invite("f4ooo");
  auto f = ipv4_fragments("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, invite), 1000);
  ASSERT_EQ(f.size(), 4u);
  auto d = decode(LinkType::raw, {f[3], f[1], f[1], f[0], f[3], f[2]});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, invite);
  EXPECT_EQ(d.messages[0].frame, 6u);
  EXPECT_EQ(d.messages[0].first_frame, 1u);
}

TEST(Fragments, OverlapKeepsTheBytesThatCameFirst) {
  std::string invite = big_invite("overlap");
  Bytes dgram = udp(5060, 5060, invite);
  auto f = ipv4_fragments("10.0.0.1", "10.0.0.2", kUdp, dgram, 1000);
  ASSERT_EQ(f.size(), 4u);
  // A rogue fragment overlapping bytes 992..1015 with garbage, after the genuine ones.
  Bytes junk(24, 'X');
  Ipv4Options o;
  o.id = 0x1234;
  o.fragment_offset = 992;
  o.more_fragments = true;
  Bytes rogue = ipv4("10.0.0.1", "10.0.0.2", kUdp, junk, o);
  auto d = decode(LinkType::raw, {f[0], f[1], rogue, f[2], f[3]});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, invite);
}

TEST(Fragments, KeyIncludesAddressesAndId) {
  // Two datagrams with the same id from different sources, interleaved.
  std::string a = big_invite("key-a");
  std::string b = big_invite("key-b");
  auto fa = ipv4_fragments("10.0.0.1", "10.0.0.9", kUdp, udp(5060, 5060, a), 1480, 7);
  auto fb = ipv4_fragments("10.0.0.2", "10.0.0.9", kUdp, udp(5060, 5060, b), 1480, 7);
  auto d = decode(LinkType::raw, {fa[0], fb[0], fa[1], fb[1], fb[2], fa[2]});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].bytes, b);
  EXPECT_EQ(d.messages[0].frame, 5u);
  EXPECT_EQ(d.messages[0].first_frame, 2u);
  EXPECT_EQ(d.messages[1].bytes, a);
  EXPECT_EQ(d.messages[1].frame, 6u);
}

TEST(Fragments, Ipv6OutOfOrder) {
  std::string invite = big_invite("f6");
  auto f = ipv6_fragments("fd00::1", "fd00::2", kUdp, udp(5060, 5060, invite), 1232, 0xb0647780);
  ASSERT_EQ(f.size(), 3u);
  auto d = decode(LinkType::linux_sll,
                  {linux_sll(f[2]), linux_sll(f[0]), linux_sll(f[0]), linux_sll(f[1])});
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  ASSERT_EQ(d.messages.size(), 1u);
  EXPECT_EQ(d.messages[0].bytes, invite);
  EXPECT_EQ(d.messages[0].src, "[fd00::1]:5060");
  EXPECT_EQ(d.messages[0].frame, 4u);
  EXPECT_EQ(d.messages[0].first_frame, 1u);
}

TEST(Fragments, UnfinishedSetIsReportedAtFinish) {
  std::string invite = big_invite("lost");
  auto f4 = ipv4_fragments("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, invite), 1480, 0x42);
  auto f6 = ipv6_fragments("fd00::1", "fd00::2", kUdp, udp(5060, 5060, invite), 1480, 0x43);
  auto d = decode(LinkType::raw, {f4[0], f4[2], f6[0]});
  EXPECT_TRUE(d.messages.empty());
  std::size_t total = 8 + invite.size();
  EXPECT_EQ(d.diagnostics,
            (std::vector<std::string>{
                "capture: frame 1: warning: IPv4 fragments 10.0.0.1 -> 10.0.0.2 (id 0x42): "
                "datagram never completed (capture ended); have " +
                    std::to_string(1480 + (total - 2960)) + " of " + std::to_string(total) +
                    " bytes in 2 fragments",
                "capture: frame 3: warning: IPv6 fragments fd00::1 -> fd00::2 (id 0x43): "
                "datagram never completed (capture ended); have 1480 of ? bytes in 1 fragment"}));
}

TEST(Fragments, PendingFragmentsAreBounded) {
  DecoderOptions options;
  options.max_pending_fragments = 4;
  std::vector<Bytes> frames;
  for (std::uint16_t id = 1; id <= 6; ++id) {
    auto f =
        ipv4_fragments("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, big_invite("b")), 1480, id);
    frames.push_back(f[0]);
  }
  auto d = decode(LinkType::raw, frames, options);
  ASSERT_EQ(d.diagnostics.size(), 6u);
  EXPECT_EQ(d.diagnostics[0],
            "capture: frame 1: warning: IPv4 fragments 10.0.0.1 -> 10.0.0.2 (id 0x1): datagram "
            "never completed (given up: too many fragments pending); have 1480 of ? bytes in 1 "
            "fragment");
}

TEST(Fragments, LastFragmentShorterThanAnEarlierOneDropsTheSet) {
  // Found by Hostile.MutatedFramesNeverCrash: a middle fragment reaching past the end that the
  // last fragment announces afterwards.
  Ipv4Options mid;
  mid.id = 5;
  mid.fragment_offset = 800;
  mid.more_fragments = true;
  Ipv4Options last;
  last.id = 5;
  last.fragment_offset = 400;
  auto d = decode(LinkType::raw, {ipv4("10.0.0.1", "10.0.0.2", kUdp, Bytes(800, 'm'), mid),
                                  ipv4("10.0.0.1", "10.0.0.2", kUdp, Bytes(400, 'l'), last)});
  EXPECT_TRUE(d.messages.empty());
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{"capture: frame 2: warning: IPv4 fragments 10.0.0.1 -> "
                                     "10.0.0.2 (id 0x5): fragment ends at 1600 past the "
                                     "datagram's end 800; datagram dropped"});
}

TEST(Fragments, DatagramLargerThan65535IsRefused) {
  Ipv4Options o;
  o.id = 9;
  o.fragment_offset = 65528;
  o.more_fragments = false;
  auto d = decode(LinkType::raw, {ipv4("10.0.0.1", "10.0.0.2", kUdp, Bytes(100, 'x'), o)});
  EXPECT_EQ(d.diagnostics,
            std::vector<std::string>{"capture: frame 1: warning: IPv4 fragments 10.0.0.1 -> "
                                     "10.0.0.2 (id 0x9): fragment at offset 65528 with 100 bytes "
                                     "ends past 65535; fragment ignored"});
}

}  // namespace
}  // namespace ladder::capture
