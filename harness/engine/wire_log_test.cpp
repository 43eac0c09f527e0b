// Reading Sofia's transport dump back: stamps, records split anywhere, TCP framing.
#include "engine/wire_log.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

namespace ladder::engine {
namespace {

const std::string kInvite =
    "INVITE sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\n"
    "Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 3\r\n\r\nabc";
const std::string kTrying =
    "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 127.0.0.1:1;branch=z9hG4bKx\r\n"
    "Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";

std::string record(const std::string& head, const std::string& bytes) {
  return head + "\n" + bytes + "\v\n";
}

TEST(WireLog, ParsesStamps) {
  auto s = parse_stamp("sent 519 bytes to udp/[127.0.0.1]:47755 at 09:02:38.383339:");
  ASSERT_TRUE(s.has_value());
  EXPECT_TRUE(s->sent);
  EXPECT_EQ(s->size, 519u);
  EXPECT_EQ(s->peer.to_string(), "127.0.0.1:47755");
  EXPECT_EQ(s->time_of_day_us, ((9 * 60 + 2) * 60 + 38) * 1'000'000LL + 383339);
  auto v6 = parse_stamp("recv 10 bytes from tcp/[::1]:5060 at 23:59:59.000001:");
  ASSERT_TRUE(v6.has_value());
  EXPECT_FALSE(v6->sent);
  EXPECT_EQ(v6->transport, core::Transport::tcp);
  EXPECT_EQ(v6->peer.to_string(), "[::1]:5060");
  EXPECT_FALSE(parse_stamp("dump started at Tue Nov 24 09:02:38 2026").has_value());
}

TEST(WireLog, TimeOfDayLandsOnTheRightDay) {
  core::TimeNs day = 20000LL * 86'400'000'000'000LL;
  core::TimeNs now = day + 10'000'000'000LL;  // 00:00:10 UTC
  EXPECT_EQ(place_time_of_day(5'000'000, now), day + 5'000'000'000LL);
  // 23:59:59 written just before midnight, read at 00:00:10.
  EXPECT_EQ(place_time_of_day(86'399'000'000, now), day - 1'000'000'000LL);
}

TEST(WireLog, RecordsSplitAnywhereAndTcpChunksFramed) {
  std::string dump = "dump started at x\n\n\n" +
                     record("sent " + std::to_string(kInvite.size()) +
                                " bytes to udp/[127.0.0.1]:5060 at 00:00:01.000000:",
                            kInvite) +
                     record("recv 4 bytes from udp/[127.0.0.1]:5060 at 00:00:01.000001:", "TEST");
  std::string both = kTrying + kInvite;
  dump += record("recv " + std::to_string(both.size() - 10) +
                     " bytes from tcp/[127.0.0.1]:5060 at 00:00:01.000002:",
                 both.substr(0, both.size() - 10));
  dump += record("recv 10 bytes from tcp/[127.0.0.1]:5060 at 00:00:01.000003:",
                 both.substr(both.size() - 10));
  DumpParser p;
  std::vector<DumpMessage> all;
  for (std::size_t i = 0; i < dump.size(); i += 7) {
    for (auto& m : p.feed(dump.substr(i, 7), 1'000'000'000'000LL)) all.push_back(m);
  }
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(all[0].sent);
  EXPECT_EQ(all[0].bytes, kInvite);
  EXPECT_EQ(all[1].bytes, kTrying);
  EXPECT_EQ(all[1].transport, core::Transport::tcp);
  EXPECT_EQ(all[2].bytes, kInvite);
  EXPECT_EQ(p.skipped(), 0u);
}

TEST(WireLog, ShortRecordOfASentMessageEndsAtTheNextStamp) {
  // Sofia writes only the header iovec of a message it sends: 3 body bytes are missing.
  std::string head = kInvite.substr(0, kInvite.size() - 3);
  std::string dump = record("sent " + std::to_string(kInvite.size()) +
                                " bytes to udp/[127.0.0.1]:5060 at 00:00:01.000000:",
                            head) +
                     record("recv " + std::to_string(kTrying.size()) +
                                " bytes from udp/[127.0.0.1]:5060 at 00:00:01.000001:",
                            kTrying);
  DumpParser p;
  auto all = p.feed(dump, 1'000'000'000'000LL);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].bytes, head);
  EXPECT_EQ(all[0].body_missing, 3u);
  EXPECT_EQ(all[1].bytes, kTrying);
  EXPECT_EQ(all[1].body_missing, 0u);
  // The same short record at the end of what was written so far.
  DumpParser q;
  auto one = q.feed(record("sent " + std::to_string(kInvite.size()) +
                               " bytes to udp/[127.0.0.1]:5060 at 00:00:01.000000:",
                           head),
                    1'000'000'000'000LL);
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].body_missing, 3u);
}

// Load mode's tail: the writer appends as Sofia does ("ab"), the reader empties the file once it
// has read 1 MiB of it; every record comes out once, in order, and the file stays bounded.
TEST(WireLog, TruncatingTailLosesNothingAndKeepsTheFileSmall) {
  char dir[] = "/tmp/ladder-dumptail-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string path = std::string(dir) + "/a.dump";
  std::FILE* out = std::fopen(path.c_str(), "ab");
  ASSERT_NE(out, nullptr);
  DumpTail tail(path, true);
  const std::string one = record(
      "sent " + std::to_string(kInvite.size()) + " bytes to udp/[127.0.0.1]:5060 at 00:00:01.000000:",
      kInvite);
  std::size_t written = 0, read = 0, largest = 0;
  for (int round = 0; round < 60; ++round) {
    for (int i = 0; i < 500; ++i, ++written) std::fputs(one.c_str(), out);
    std::fflush(out);
    largest = std::max<std::size_t>(largest, std::filesystem::file_size(path));
    for (const DumpMessage& m : tail.poll(1'000'000'000'000LL)) {
      EXPECT_EQ(m.bytes, kInvite);
      ++read;
    }
  }
  std::fclose(out);
  EXPECT_EQ(read, written);
  EXPECT_GT(written * one.size(), 4u << 20);        // several truncations happened
  EXPECT_LT(largest, (1u << 20) + 500 * one.size());  // and the file never grew past them
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ladder::engine
