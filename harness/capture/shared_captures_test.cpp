// Real-world captures from /work/shared/captures/public, checked against tshark's reading:
//   tshark -r F -Y sip -T fields -e frame.number -e sip.Method -e sip.Status-Code
#include <gtest/gtest.h>

#include "testing/capture_files.h"
#include "testing/captures.h"

namespace ladder::capture {
namespace {

using testing::read_file;
using testing::shared_capture;

std::vector<std::uint64_t> frames_of(const testing::Decoded& d) {
  std::vector<std::uint64_t> out;
  for (const auto& m : d.messages) out.push_back(m.frame);
  return out;
}

#define SHARED_OR_SKIP(var, name)  \
  auto var = shared_capture(name); \
  if (!var) GTEST_SKIP() << "shared capture " name " not present; skipped"

TEST(SharedCaptures, AaaGivesTheSame81MessagesAsTshark) {
  SHARED_OR_SKIP(path, "aaa.pcap");
  auto d = read_file(*path);
  ASSERT_TRUE(d.complete) << d.error;
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  const std::vector<std::uint64_t> tshark = {
      19,  20,  30,  31,  32,  107, 108, 121, 122, 143, 144, 154, 155, 169, 170, 180, 181,
      182, 223, 225, 227, 228, 247, 249, 251, 252, 253, 255, 257, 259, 260, 264, 265, 266,
      272, 274, 321, 323, 325, 326, 327, 346, 348, 349, 421, 422, 430, 432, 441, 442, 453,
      454, 515, 516, 524, 526, 527, 537, 539, 548, 550, 551, 558, 560, 578, 580, 581, 582,
      602, 603, 604, 617, 619, 620, 621, 622, 639, 640, 648, 649, 650};
  ASSERT_EQ(tshark.size(), 81u);
  EXPECT_EQ(frames_of(d), tshark);
  EXPECT_EQ(d.stats.sip_messages, 81u);
  EXPECT_EQ(d.stats.frames, 691u);
  EXPECT_EQ(d.stats.non_ip_frames, 44u);  // ARP
  ASSERT_FALSE(d.messages.empty());
  EXPECT_EQ(d.messages[0].start_line().substr(0, 9), "REGISTER ");
  EXPECT_EQ(d.messages[0].src, "192.168.1.2:5060");
  EXPECT_EQ(d.messages[1].start_line().substr(0, 11), "SIP/2.0 401");
}

TEST(SharedCaptures, Ipv6FragGivesTsharksFrameNumbers) {
  SHARED_OR_SKIP(path, "ipv6frag.pcap");
  auto d = read_file(*path);
  ASSERT_TRUE(d.complete) << d.error;
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  const std::vector<std::uint64_t> tshark = {2,  3,  5,  6,  7,  8,  9,  10, 11, 12, 13,
                                             14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
                                             25, 26, 27, 28, 29, 30, 31, 32, 33, 34};
  EXPECT_EQ(frames_of(d), tshark);
  ASSERT_EQ(d.messages.size(), 32u);
  // The first INVITE came in two fragments: frames 1 and 2.
  EXPECT_EQ(d.messages[0].frame, 2u);
  EXPECT_EQ(d.messages[0].first_frame, 1u);
  EXPECT_TRUE(d.messages[0].start_line().starts_with("INVITE sip:08019200028@"));
  EXPECT_EQ(d.messages[0].src, "[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060");
  EXPECT_EQ(d.messages[1].start_line().substr(0, 11), "SIP/2.0 100");
  EXPECT_EQ(d.messages[1].first_frame, 3u);
  EXPECT_EQ(d.stats.reassembled, 2u);
  EXPECT_EQ(d.stats.fragments, 4u);
}

TEST(SharedCaptures, IpipReportsTheInnerEndpoints) {
  SHARED_OR_SKIP(path, "ipip.pcap");
  auto d = read_file(*path);
  ASSERT_TRUE(d.complete) << d.error;
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{});
  ASSERT_EQ(d.messages.size(), 4u);
  EXPECT_EQ(frames_of(d), (std::vector<std::uint64_t>{1, 2, 3, 4}));
  EXPECT_TRUE(d.messages[0].start_line().starts_with("INVITE "));
  EXPECT_TRUE(d.messages[1].start_line().starts_with("SIP/2.0 183"));
  EXPECT_TRUE(d.messages[2].start_line().starts_with("SIP/2.0 200"));
  EXPECT_TRUE(d.messages[3].start_line().starts_with("BYE "));
  // Frames 2 and 3 are tunnelled 10.15.196.229 -> 10.15.194.19 outside; tshark shows the inner
  // header second.
  EXPECT_TRUE(d.messages[1].src.starts_with("10.15.193.31:")) << d.messages[1].src;
  EXPECT_TRUE(d.messages[1].dst.starts_with("10.15.197.103:")) << d.messages[1].dst;
  for (const auto& m : d.messages) {
    EXPECT_EQ(m.transport, core::Transport::tcp);
    EXPECT_FALSE(m.incomplete);
  }
}

}  // namespace
}  // namespace ladder::capture
