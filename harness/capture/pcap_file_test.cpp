// PcapFile / PcapWriter / read_capture on real files: round trips and bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "testing/capture_files.h"
#include "testing/captures.h"
#include "testing/run_command.h"

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

// A minimal pcapng: section header, one Ethernet interface (microsecond stamps), and one
// enhanced packet block per frame. libpcap cannot write pcapng, so the test spells it out.
std::string pcapng(const std::vector<Bytes>& frames) {
  std::string out;
  auto u16 = [&out](std::uint16_t v) { out.append(reinterpret_cast<const char*>(&v), 2); };
  auto u32 = [&out](std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); };
  u32(0x0A0D0D0A);
  u32(28);
  u32(0x1A2B3C4D);
  u16(1);
  u16(0);
  u32(0xffffffff);
  u32(0xffffffff);
  u32(28);
  u32(1);
  u32(20);
  u16(1);
  u16(0);
  u32(262144);
  u32(20);
  std::uint64_t us = 1'700'000'000'000'000;
  for (const Bytes& f : frames) {
    std::uint32_t padded = (static_cast<std::uint32_t>(f.size()) + 3) & ~3u;
    u32(6);
    u32(32 + padded);
    u32(0);
    u32(static_cast<std::uint32_t>(us >> 32));
    u32(static_cast<std::uint32_t>(us));
    u32(static_cast<std::uint32_t>(f.size()));
    u32(static_cast<std::uint32_t>(f.size()));
    out.append(reinterpret_cast<const char*>(f.data()), f.size());
    out.append(padded - f.size(), '\0');
    u32(32 + padded);
    us += 1000;
  }
  return out;
}

TEST(PcapFile, PcapngIsReadThroughLibpcap) {
  TempDir dir;
  std::string path = dir.file("x.pcapng");
  write_text(path, pcapng({udp_sip("ng-1"), udp_sip("ng-2")}));
  auto d = read_file(path);
  ASSERT_TRUE(d.complete) << d.error;
  ASSERT_EQ(d.messages.size(), 2u);
  EXPECT_EQ(d.messages[1].frame, 2u);
  EXPECT_EQ(d.messages[0].time, 1'700'000'000'000'000'000);  // microseconds, scaled to ns
}

TEST(PcapFile, DashReadsStandardInput) {
  TempDir dir;
  std::string path = dir.file("stdin.pcap");
  write_pcap(path, LinkType::ethernet, {udp_sip("in-1")});
  int saved = dup(STDIN_FILENO);
  int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(dup2(fd, STDIN_FILENO), STDIN_FILENO);
  ::close(fd);
  auto d = read_file(std::string("-"));
  dup2(saved, STDIN_FILENO);
  ::close(saved);
  ASSERT_TRUE(d.complete) << d.error;
  ASSERT_EQ(d.messages.size(), 1u);
  // Diagnostics and errors call it "stdin".
  EXPECT_EQ(d.messages[0].frame, 1u);
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
  EXPECT_EQ(d.error, path +
                         ": frame 2: truncated capture: truncated dump file; tried to read 16 "
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
  moved.write(
      5, linux_sll2(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(1, 2, sip_request("OPTIONS", "mv")))));
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

// Classic pcap files are read by PcapFile itself, pcapng by libpcap: the same capture as pcapng
// (editcap) must give the same messages, frames and times either way. The committed captures,
// and the shared real-world ones when present.
TEST(PcapFile, DirectReadingMatchesLibpcap) {
  std::vector<std::string> paths;
  for (const char* name : {"sipp-kamailio-udp.pcap", "sipp-kamailio-tcp.pcap",
                           "sipp-kamailio-ipv6.pcap", "load/basic-100.pcap"}) {
    paths.push_back(std::string(LADDER_SOURCE_DIR) + "/captures/" + name);
  }
  for (const char* name : {"aaa.pcap", "ipv6frag.pcap"}) {
    if (auto p = shared_capture(name)) paths.push_back(*p);
  }
  TempDir dir;
  for (const std::string& path : paths) {
    std::string ng = dir.file("copy.pcapng");
    Output conv = run_command("editcap -F pcapng '" + path + "' '" + ng + "' 2>&1");
    ASSERT_EQ(conv.status, 0) << conv.out;
    Decoded direct = read_file(path), pcapng = read_file(ng);
    ASSERT_TRUE(direct.complete) << direct.error;
    ASSERT_TRUE(pcapng.complete) << pcapng.error;
    EXPECT_EQ(direct.stats.frames, pcapng.stats.frames) << path;
    ASSERT_EQ(direct.messages.size(), pcapng.messages.size()) << path;
    ASSERT_FALSE(direct.messages.empty()) << path;
    for (std::size_t i = 0; i < direct.messages.size(); ++i) {
      const Message& a = direct.messages[i];
      const Message& b = pcapng.messages[i];
      EXPECT_EQ(a.frame, b.frame) << path << " #" << i;
      EXPECT_EQ(a.time, b.time) << path << " #" << i;
      EXPECT_EQ(a.src, b.src) << path << " #" << i;
      EXPECT_EQ(a.bytes, b.bytes) << path << " #" << i;
    }
  }
}

// `--each` jobs open the same file at once, each on its own thread: each must read it whole.
TEST(PcapFile, ConcurrentReadersOfOneFile) {
  std::string path = std::string(LADDER_SOURCE_DIR) + "/captures/load/basic-100.pcap";
  Decoded alone = read_file(path);
  ASSERT_TRUE(alone.complete) << alone.error;
  std::vector<Decoded> got(4);
  {
    std::vector<std::jthread> readers;
    for (Decoded& d : got) readers.emplace_back([&d, &path] { d = read_file(path); });
  }
  for (const Decoded& d : got) {
    EXPECT_TRUE(d.complete) << d.error;
    ASSERT_EQ(d.messages.size(), alone.messages.size());
    EXPECT_EQ(d.messages.back().bytes, alone.messages.back().bytes);
    EXPECT_EQ(d.messages.back().time, alone.messages.back().time);
  }
}

// Another program cuts the file short while it is being read (a capture rewritten under the
// same name): the reader reports a truncated capture at the frame where the bytes ran out,
// keeps what came before, and does not crash.
TEST(PcapFile, FileCutShortWhileBeingRead) {
  TempDir dir;
  std::string path = dir.file("shrinking.pcap");
  std::vector<Bytes> frames;
  for (int i = 0; i < 10000; ++i) frames.push_back(udp_sip("call-" + std::to_string(i)));
  write_pcap(path, LinkType::ethernet, frames);
  auto file = PcapFile::open(path);
  ASSERT_TRUE(file) << file.error();
  Frame frame;
  std::string error;
  ASSERT_EQ(file->next(frame, error), PcapFile::Next::frame) << error;
  std::uintmax_t size = std::filesystem::file_size(path);
  ASSERT_GT(size, 2u << 20);  // more than the reader has taken in at once
  std::filesystem::resize_file(path, size / 2 + 7);  // mid-record
  std::uint64_t read = 1;
  PcapFile::Next n;
  while ((n = file->next(frame, error)) == PcapFile::Next::frame) ++read;
  ASSERT_EQ(n, PcapFile::Next::error);
  EXPECT_GT(read, 1u);
  EXPECT_LT(read, frames.size());
  EXPECT_NE(error.find(": frame " + std::to_string(read + 1) + ": truncated capture"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace ladder::capture
