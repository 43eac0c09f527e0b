// Integration: the real `ladder` binary against real captures, held against tshark's reading.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "testing/capture_files.h"
#include "testing/packets.h"
#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;

const fs::path kShared = kSource / ".." / "shared" / "captures" / "public";

bool have_tshark() { return run_command("sh -c 'command -v tshark' >/dev/null 2>&1").status == 0; }

// frame number -> sorted labels ("INVITE", "180") as tshark reads the capture.
std::map<std::uint64_t, std::vector<std::string>> tshark_reading(const fs::path& capture) {
  Output o = run_command("tshark -r '" + capture.string() +
                 "' -Y sip -T fields -e frame.number -e sip.Method -e sip.Status-Code 2>/dev/null");
  std::map<std::uint64_t, std::vector<std::string>> by_frame;
  std::istringstream lines(o.out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string frame, methods, statuses;
    std::getline(fields, frame, '\t');
    std::getline(fields, methods, '\t');
    std::getline(fields, statuses, '\t');
    auto& labels = by_frame[std::stoull(frame)];
    for (const std::string& list : {methods, statuses}) {
      std::istringstream items(list);
      std::string item;
      while (std::getline(items, item, ',')) {
        if (!item.empty()) labels.push_back(item);
      }
    }
    std::sort(labels.begin(), labels.end());
  }
  return by_frame;
}

std::map<std::uint64_t, std::vector<std::string>> ladder_reading(const fs::path& capture,
                                                                 std::size_t& count) {
  Output o = run_command(kLadder + " show --json '" + capture.string() + "'");
  EXPECT_EQ(o.status, 0) << o.out;
  std::map<std::uint64_t, std::vector<std::string>> by_frame;
  std::istringstream lines(o.out);
  std::string line;
  count = 0;
  while (std::getline(lines, line)) {
    auto j = nlohmann::json::parse(line);
    auto& labels = by_frame[j["frame"].get<std::uint64_t>()];
    labels.push_back(j["kind"] == "request" ? j["method"].get<std::string>()
                                            : std::to_string(j["status"].get<int>()));
    std::sort(labels.begin(), labels.end());
    ++count;
  }
  return by_frame;
}

std::vector<fs::path> captures_to_compare() {
  std::vector<fs::path> out;
  for (const char* name : {"aaa.pcap", "ipv6frag.pcap", "ipip.pcap"}) out.push_back(kShared / name);
  // Every committed capture; captures/large/ holds the (git-ignored) benchmark file.
  if (fs::exists(kSource / "captures")) {
    for (const auto& e : fs::recursive_directory_iterator(kSource / "captures")) {
      if (e.path().parent_path().filename() == "large") continue;
      if (e.path().extension() == ".pcap" || e.path().extension() == ".pcapng") {
        out.push_back(e.path());
      }
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class ShowAgainstTshark : public ::testing::TestWithParam<fs::path> {};

TEST_P(ShowAgainstTshark, SameMessagesInTheSameFrames) {
  const fs::path& capture = GetParam();
  if (!fs::exists(capture)) GTEST_SKIP() << capture << " is absent (../shared not beside the repo)";
  ASSERT_TRUE(have_tshark()) << "tshark not found: run scripts/setup";
  auto expected = tshark_reading(capture);
  ASSERT_FALSE(expected.empty()) << "tshark found no SIP in " << capture;
  std::size_t count = 0;
  auto seen = ladder_reading(capture, count);
  EXPECT_EQ(seen, expected);
  std::size_t tshark_count = 0;
  for (const auto& [frame, labels] : expected) tshark_count += labels.size();
  EXPECT_EQ(count, tshark_count);
}

std::string name_of(const ::testing::TestParamInfo<fs::path>& info) {
  std::string s = info.param.parent_path().filename().string() + "_" + info.param.stem().string();
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

INSTANTIATE_TEST_SUITE_P(Captures, ShowAgainstTshark, ::testing::ValuesIn(captures_to_compare()),
                         name_of);

TEST(Show, PublicCaptureCountsMatchTheIssue) {
  const std::map<std::string, std::size_t> counts = {
      {"aaa.pcap", 81}, {"ipv6frag.pcap", 32}, {"ipip.pcap", 4}};
  for (const auto& [name, expected] : counts) {
    fs::path f = kShared / name;
    if (!fs::exists(f)) GTEST_SKIP() << f << " is absent (../shared not beside the repo)";
    std::size_t count = 0;
    ladder_reading(f, count);
    EXPECT_EQ(count, expected) << name;
  }
}

TEST(Show, TextLadderOfTheIpv6FragmentedCall) {
  fs::path f = kShared / "ipv6frag.pcap";
  if (!fs::exists(f)) GTEST_SKIP() << f << " is absent (../shared not beside the repo)";
  Output o = run_command(kLadder + " show '" + f.string() + "'");
  ASSERT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("e1 = [fd17:625c:f037:2:a00:27ff:feb9:1521]:15060"), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("|---------INVITE--------->|"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("[malformed: more than one Content-Type header]"), std::string::npos);
  EXPECT_NE(o.out.find("PRACK"), std::string::npos);
  EXPECT_NE(o.out.find("32 SIP messages in 34 frames"), std::string::npos) << o.out;
}

TEST(Show, ReadsStandardInput) {
  fs::path f = kShared / "ipip.pcap";
  if (!fs::exists(f)) GTEST_SKIP() << f << " is absent (../shared not beside the repo)";
  Output a = run_command(kLadder + " show '" + f.string() + "'");
  Output b = run_command("cat '" + f.string() + "' | " + kLadder + " show -");
  EXPECT_EQ(b.status, 0);
  EXPECT_EQ(a.out, b.out);
}

TEST(Show, CallIdFilterAndSummary) {
  fs::path f = kShared / "aaa.pcap";
  if (!fs::exists(f)) GTEST_SKIP() << f << " is absent (../shared not beside the repo)";
  Output calls = run_command("tshark -r '" + f.string() + "' -Y sip -T fields -e sip.Call-ID 2>/dev/null"
                     " | sort -u | wc -l");
  Output summary = run_command(kLadder + " show --summary --json '" + f.string() + "'");
  ASSERT_EQ(summary.status, 0) << summary.out;
  std::size_t lines = static_cast<std::size_t>(std::count(summary.out.begin(), summary.out.end(), '\n'));
  EXPECT_EQ(lines, std::stoul(calls.out));

  auto first = nlohmann::json::parse(summary.out.substr(0, summary.out.find('\n')));
  std::string id = first["call_id"];
  Output one = run_command(kLadder + " show --json --call-id '" + id + "' '" + f.string() + "'");
  ASSERT_EQ(one.status, 0);
  std::size_t n = static_cast<std::size_t>(std::count(one.out.begin(), one.out.end(), '\n'));
  EXPECT_EQ(n, first["messages"].get<std::size_t>());

  Output none = run_command(kLadder + " show --call-id no-such-call '" + f.string() + "' 2>&1");
  EXPECT_EQ(none.status, 1);
  EXPECT_NE(none.out.find("no SIP message with Call-ID 'no-such-call'"), std::string::npos);
}

class BadInput : public ladder::testing::TempDirTest {};

TEST_F(BadInput, EmptyFile) {
  fs::path p = write("empty.pcap", "");
  Output o = run_command(kLadder + " show '" + p.string() + "' 2>&1");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.out.find("empty.pcap: file is empty"), std::string::npos) << o.out;
}

TEST_F(BadInput, TextFile) {
  fs::path p = write("notes.txt", "INVITE sip:bob@example.test SIP/2.0\r\n\r\n");
  Output o = run_command(kLadder + " show '" + p.string() + "' 2>&1");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.out.find("notes.txt: not a pcap or pcapng file"), std::string::npos) << o.out;
}

TEST_F(BadInput, MissingFile) {
  Output o = run_command(kLadder + " show '" + (dir_ / "nope.pcap").string() + "' 2>&1");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.out.find("nope.pcap"), std::string::npos) << o.out;
}

TEST_F(BadInput, TruncatedCaptureKeepsWhatCameBefore) {
  fs::path f = kShared / "ipv6frag.pcap";
  if (!fs::exists(f)) GTEST_SKIP() << f << " is absent (../shared not beside the repo)";
  std::ifstream in(f, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::path p = write("cut.pcap", bytes.substr(0, bytes.size() - 100));  // cut inside the last frame
  Output o = run_command(kLadder + " show '" + p.string() + "' 2>&1");
  EXPECT_EQ(o.status, 2);
  EXPECT_NE(o.out.find("cut.pcap: frame 34: truncated"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("31 SIP messages in 33 frames"), std::string::npos) << o.out;
}

// Damaged frames are named, skipped, and nothing else is lost; the file is readable, so exit 0.
TEST_F(BadInput, BogusIpLengthIsNamedAndTheRestShown) {
  using namespace ladder::testing;
  std::string invite = sip_request("INVITE", "bogus-1"), bye = sip_request("BYE", "bogus-1");
  Ipv4Options bogus;
  bogus.total_length = 9000;
  fs::path p = dir_ / "bogus.pcap";
  write_pcap(p.string(), ladder::capture::LinkType::ethernet,
             {ethernet(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5060, 5060, invite))),
              ethernet(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5060, 5060, "x"), bogus)),
              ethernet(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5060, 5060, bye)))});
  Output o = run_command(kLadder + " show '" + p.string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find(p.string() + ": frame 2: warning: IPv4 total length 9000 but only"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("INVITE"), std::string::npos);
  EXPECT_NE(o.out.find("BYE"), std::string::npos);
  EXPECT_NE(o.out.find("2 SIP messages in 3 frames; skipped: 1 damaged frames"), std::string::npos)
      << o.out;
}

TEST_F(BadInput, TcpGapIsNamedAndTheCutMessageKeptAndMarked) {
  using namespace ladder::testing;
  std::string invite = sip_request("INVITE", "gap-1"), bye = sip_request("BYE", "gap-1");
  std::string message = sip_request("MESSAGE", "gap-1", std::string(1298, 'm') + "\r\n");
  auto seg = [](std::uint32_t seq, const std::string& data) {
    return ethernet(ipv4("10.0.0.1", "10.0.0.2", 6, tcp(5060, 40000, seq, data)));
  };
  std::uint32_t after_invite = 1 + static_cast<std::uint32_t>(invite.size());
  std::uint32_t resume = after_invite + 100 + 1200;
  fs::path p = dir_ / "gap.pcap";
  write_pcap(p.string(), ladder::capture::LinkType::ethernet,
             {seg(1, invite), seg(after_invite, message.substr(0, 100)),
              seg(resume, message.substr(1300) + bye)});
  Output o = run_command(kLadder + " show '" + p.string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find(p.string() + ": frame 3: warning: TCP 10.0.0.1:5060 -> 10.0.0.2:40000: "
                       "1200 bytes missing before seq"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("[malformed: incomplete"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("BYE"), std::string::npos) << o.out;
}

// Issue 14: one OPTIONS with `Max-Forwards: 70` twice killed `ladder show` with SIGSEGV.
TEST_F(BadInput, Issue14RepeatedMaxForwardsIsShownMalformed) {
  using namespace ladder::testing;
  std::string options =
      "OPTIONS sip:b@10.0.0.2 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\n"
      "Max-Forwards: 70\r\nMax-Forwards: 70\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\n"
      "Call-ID: twice-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  fs::path p = dir_ / "twice.pcap";
  write_pcap(p.string(), ladder::capture::LinkType::ethernet,
             {ethernet(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5060, 5060, options)))});
  Output o = run_command(kLadder + " show '" + p.string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("OPTIONS"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("more than one Max-Forwards header"), std::string::npos) << o.out;
}

TEST(Usage, UnknownCommandIsAUsageError) {
  Output o = run_command(kLadder + " frobnicate 2>&1");
  EXPECT_EQ(o.status, 2);
}

}  // namespace
