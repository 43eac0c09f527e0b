// PcapFile / PcapWriter / read_capture on real files: round trips and bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

Bytes udp_sip(const std::string& call_id) {
  return ethernet(
      ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, sip_request("OPTIONS", call_id))));
}

void write_text(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

TEST(PcapFile, RoundTripKeepsFramesTimesAndLinkType) {
  TempDir dir;
  std::string path = dir.file("rt.pcap");
  write_pcap(path, LinkType::ethernet, {udp_sip("a"), udp_sip("b")}, 1'700'000'000'123'456'789);
  auto file = PcapFile::open(path);
  ASSERT_TRUE(file) << file.error();
  EXPECT_EQ(file->link_type(), 1);
  EXPECT_EQ(file->name(), path);
  Frame f;
  std::string error;
  ASSERT_EQ(file->next(f, error), PcapFile::Next::frame);
  EXPECT_EQ(f.number, 1u);
  EXPECT_EQ(f.time, 1'700'000'000'123'456'789);  // nanoseconds survive the round trip
  EXPECT_EQ(f.data.size(), udp_sip("a").size());
  ASSERT_EQ(file->next(f, error), PcapFile::Next::frame);
  EXPECT_EQ(f.number, 2u);
  EXPECT_EQ(f.time, 1'700'000'000'124'456'789);
  EXPECT_EQ(file->next(f, error), PcapFile::Next::end);
}

TEST(PcapFile, RawLinkTypeRoundTripsThroughDltRaw) {
  TempDir dir;
  std::string path = dir.file("raw.pcap");
  write_pcap(path, LinkType::raw,
             {ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, sip_request("OPTIONS", "r")))});
  auto d = read_file(path);
  ASSERT_TRUE(d.complete) << d.error;
  EXPECT_EQ(d.messages.size(), 1u);
  EXPECT_TRUE(d.diagnostics.empty());
}

TEST(PcapFile, MissingFile) {
  TempDir dir;
  std::string path = dir.file("nope.pcap");
  auto file = PcapFile::open(path);
  ASSERT_FALSE(file);
  EXPECT_EQ(file.error(), path + ": No such file or directory");
}

TEST(PcapFile, EmptyFile) {
  TempDir dir;
  std::string path = dir.file("x.pcap");
  write_text(path, "");
  auto d = read_file(path);
  EXPECT_FALSE(d.complete);
  EXPECT_EQ(d.error, path + ": file is empty");
}

TEST(PcapFile, TextFileIsNotACapture) {
  TempDir dir;
  std::string path = dir.file("notes.txt");
  write_text(path, "INVITE sip:bob@example.com SIP/2.0\r\nthis is not a capture\r\n");
  auto d = read_file(path);
  EXPECT_FALSE(d.complete);
  EXPECT_EQ(d.error, path + ": not a pcap or pcapng file");
}

TEST(PcapFile, TinyFileIsNotACapture) {
  TempDir dir;
  std::string path = dir.file("tiny.pcap");
  write_text(path, "ab");
  auto d = read_file(path);
  EXPECT_EQ(d.error, path + ": not a pcap or pcapng file (file header cut short)");
}

TEST(PcapFile, TruncatedMidPacketKeepsWhatCameBefore) {
  TempDir dir;
  std::string path = dir.file("cut.pcap");
  std::vector<Bytes> frames = {udp_sip("first"), udp_sip("second"), udp_sip("third")};
  write_pcap(path, LinkType::ethernet, frames);
  // Cut 50 bytes off the last packet's data.
  std::filesystem::resize_file(path, std::filesystem::file_size(path) - 50);
  auto d = read_file(path);
  EXPECT_FALSE(d.complete);
  std::size_t have = frames[2].size() - 50;
  EXPECT_EQ(d.error, path + ": frame 3: truncated capture: truncated dump file; tried to read " +
                         std::to_string(frames[2].size()) + " captured bytes, only got " +
                         std::to_string(have));
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[0].frame, 1u);
  EXPECT_EQ(d.messages[1].frame, 2u);
  EXPECT_EQ(d.stats.frames, 2u);
}

TEST(PcapFile, TruncatedInsideARecordHeader) {
  TempDir dir;
  std::string path = dir.file("cut-header.pcap");
  write_pcap(path, LinkType::ethernet, {udp_sip("only")});
  std::ofstream(path, std::ios::binary | std::ios::app) << std::string(7, '\0');
  auto d = read_file(path);
  EXPECT_FALSE(d.complete);
  EXPECT_EQ(d.error, path + ": frame 2: truncated capture: truncated dump file; tried to read 16 "
                            "header bytes, only got 7");
  EXPECT_EQ(d.messages.size(), 1u);
}

TEST(PcapFile, BogusLengthFrameInAFile) {
  TempDir dir;
  std::string path = dir.file("bogus.pcap");
  Ipv4Options bogus;
  bogus.total_length = 9000;
  Bytes bad = ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, "x"), bogus));
  bad.resize(60, 0);
  write_pcap(path, LinkType::ethernet, {udp_sip("before"), bad, udp_sip("after")});
  auto d = read_file(path);
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               path + ": frame 2: warning: IPv4 total length 9000 but only 46 "
                                      "bytes captured; frame skipped"});
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].frame, 3u);
}

TEST(PcapFile, UnknownLinkTypeIsOneDiagnostic) {
  TempDir dir;
  std::string path = dir.file("user0.pcap");
  write_pcap(path, static_cast<LinkType>(147), {Bytes(20, 1), Bytes(20, 2)});
  auto d = read_file(path);
  EXPECT_EQ(d.diagnostics, std::vector<std::string>{
                               path + ": error: link type 147 is not supported; no frame of this "
                                      "capture can be decoded"});
  EXPECT_EQ(d.stats.frames, 2u);
}

TEST(PcapFile, WriterMovesAndClosesOnce) {
  TempDir dir;
  std::string path = dir.file("moved.pcap");
  auto w = PcapWriter::create(path, LinkType::linux_sll2);
  ASSERT_TRUE(w) << w.error();
  PcapWriter moved = std::move(*w);
  moved.write(5, linux_sll2(ipv4("10.0.0.1", "10.0.0.2", kUdp,
                                 udp(1, 2, sip_request("OPTIONS", "mv")))));
  EXPECT_TRUE(moved.close());
  EXPECT_TRUE(moved.close());  // second close is a no-op
  auto d = read_file(path);
  EXPECT_EQ(d.messages.size(), 1u);
}

TEST(PcapFile, WriterReportsAnUnwritablePath) {
  auto w = PcapWriter::create("/nonexistent-dir/x.pcap", LinkType::ethernet);
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().find("/nonexistent-dir/x.pcap"), std::string::npos) << w.error();
}

}  // namespace
}  // namespace ladder::capture
