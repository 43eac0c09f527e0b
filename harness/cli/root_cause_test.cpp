// Integration, issue 12: every report leads with the root failure and groups what follows from
// it. A capture of a proxy that rewrites the Call-ID of the INVITE it forwards is made from the
// committed real capture (SIPp -> Kamailio -> SIPp) by rewriting the Call-ID on the messages the
// proxy sent on and relayed back, and cutting the call where the caller (who cannot match the
// answers) stops: deterministic, and the bytes are otherwise Kamailio's and SIPp's. The swallowed
// 180 is played for real: `ladder run` against Kamailio started with its DROP_180 switch.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "engine/testing/kamailio_process.h"
#include "testing/capture_files.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::Bytes;

const fs::path kLadderFile = kSource / "scenarios" / "basic" / "caller-hangs-up.yaml";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class RootCause : public ladder::testing::TempDirTest {
 protected:
  // The correct UDP call with the Call-ID rewritten on messages 3 to 7 (the forwarded INVITE,
  // B's 180 and 200 and their relays to A); A never acknowledges, so the call ends there.
  fs::path rewritten_call_id(std::string* original) {
    auto d = ladder::testing::read_file((kSource / "captures" / "sipp-kamailio-udp.pcap").string());
    EXPECT_TRUE(d.complete) << d.error;
    EXPECT_EQ(d.messages.size(), 13u);
    std::vector<Bytes> frames;
    static const std::regex call_id("\r\nCall-ID: ([^\r]+)\r\n");
    for (std::size_t i = 0; i < d.messages.size() && i < 7; ++i) {
      std::string text = d.messages[i].bytes;
      std::smatch m;
      EXPECT_TRUE(std::regex_search(text, m, call_id)) << text;
      *original = m[1];
      if (i >= 2) text = std::regex_replace(text, call_id, "\r\nCall-ID: proxy-$1\r\n");
      frames.push_back(ladder::testing::udp_frame(d.messages[i].src, d.messages[i].dst, text));
    }
    fs::path out = dir_ / "rewrite-call-id.pcap";
    ladder::testing::write_pcap(out.string(), ladder::capture::LinkType::ethernet, frames);
    return out;
  }
};

// The lines under "Failures:" up to the next section.
std::vector<std::string> failure_section(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  bool on = false;
  while (std::getline(in, line)) {
    if (line == "Failures:") {
      on = true;
      continue;
    }
    if (!on) continue;
    if (line.rfind("  ", 0) != 0) break;
    lines.push_back(line);
  }
  return lines;
}

TEST_F(RootCause, RewrittenCallIdLeadsWithTheForwardAndCountsTheRest) {
  std::string id;
  fs::path pcap = rewritten_call_id(&id);
  fs::path json = dir_ / "v.json", junit = dir_ / "j.xml";
  Output o = run_command(kLadder + " check '" + pcap.string() + "' -s '" + kLadderFile.string() +
                         "' --json '" + json.string() + "' --junit '" + junit.string() + "' 2>&1");
  EXPECT_EQ(o.status, 1) << o.out;
  const std::string sentence = "the proxy changed the Call-ID: expected '" + id +
                               "', seen 'proxy-" + id + "' (forward of F1)";
  const std::string root = "F3: " + sentence;
  std::vector<std::string> lines = failure_section(o.out);
  ASSERT_EQ(lines.size(), 2u) << o.out;
  EXPECT_EQ(lines[0].rfind("  " + root + " (frame 3 at ", 0), 0u) << o.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_match(lines[1], m,
                               std::regex(R"(    \((\d+) more follow from it; --all shows them\))")))
      << o.out;
  int following = std::stoi(m[1]);
  EXPECT_GE(following, 6) << o.out;
  EXPECT_EQ(o.out.find("not seen; the nearest"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("1 failure (+" + std::to_string(following) + " following from it)"),
            std::string::npos)
      << o.out;
  // The drawn ladder marks the steps that only failed because of F3.
  EXPECT_TRUE(std::regex_search(o.out, std::regex(R"(\n  F8 +MISS .*<- F3\n)"))) << o.out;

  // --all lists them under the root.
  Output all = run_command(kLadder + " check '" + pcap.string() + "' -s '" +
                           kLadderFile.string() + "' --all 2>&1");
  EXPECT_EQ(all.status, 1);
  std::vector<std::string> listed = failure_section(all.out);
  ASSERT_EQ(listed.size(), static_cast<std::size_t>(following) + 2) << all.out;
  EXPECT_EQ(listed[1], "    " + std::to_string(following) + " more follow from it:") << all.out;
  EXPECT_NE(all.out.find("      F8: ACK A -> P: not seen"), std::string::npos) << all.out;

  // JSON: the root first, every failure with its cause.
  auto j = nlohmann::json::parse(read(json));
  ASSERT_EQ(j["root_failures"].size(), 1u) << j.dump(2);
  EXPECT_EQ(j["root_failures"][0]["step"], "F3");
  EXPECT_EQ(j["root_failures"][0]["consequences"].size(), static_cast<std::size_t>(following));
  std::size_t root_index = j["root_failures"][0]["failure"];
  for (std::size_t i = 0; i < j["failures"].size(); ++i) {
    const auto& f = j["failures"][i];
    if (i == root_index) {
      EXPECT_TRUE(f["caused_by"].is_null());
      EXPECT_EQ(f["message"], sentence);
    } else if (!f["warning"]) {
      EXPECT_EQ(f["caused_by"], "F3") << f.dump();
      EXPECT_EQ(f["cause"], root_index) << f.dump();
    }
  }
  // JUnit: the failure's message is the root failure.
  std::string x = std::regex_replace(read(junit), std::regex("&apos;"), "'");
  EXPECT_NE(x.find("<failure message=\"" + root + " (frame 3 at "), std::string::npos) << x;
}

TEST_F(RootCause, SwallowedRingingThroughRealKamailioIsTheRootOfTheRun) {
  if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
  auto k = ladder::testing::KamailioProcess::start(
      {.domain = "example.test", .defines = {"DROP_180"}});
  ASSERT_TRUE(k) << k.error();
  std::string p = k->endpoint().to_string();
  fs::path tb = write("testbed.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: "
                      "example.test, register: true}\n"
                      "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: "
                      "example.test, register: true}\n"
                      "  P: {dut: " + p + ", domain: example.test, kind: proxy, record_route: true}\n"
                      "capture: {interface: lo, linger: 300ms}\n");
  Output o = run_command(kLadder + " run '" +
                             (kSource / "scenarios" / "basic" / "successful-call.yaml").string() +
                             "' --testbed '" + tb.string() + "' --step-timeout 1 --out '" +
                             (dir_ / "out").string() + "' 2>&1",
                         60);
  EXPECT_EQ(o.status, 1) << o.out;
  std::vector<std::string> lines = failure_section(o.out);
  ASSERT_FALSE(lines.empty()) << o.out;
  EXPECT_EQ(lines[0].rfind("  F5: 180 P -> A: not seen", 0), 0u) << o.out;
  // The engine's own complaint (A never received F5) follows from it and is counted under it.
  ASSERT_EQ(lines.size(), 2u) << o.out;
  EXPECT_EQ(lines[1], "    (1 more follows from it; --all shows them)") << o.out;
  // No "nearest" that is another transaction's answer (the REGISTER's 200 P -> A).
  EXPECT_EQ(o.out.find("the nearest is 200 P -> A"), std::string::npos) << o.out;
  // The run directory's report lists the consequences under the root.
  std::string txt = read(dir_ / "out" / "ladder.txt");
  EXPECT_NE(txt.find("  F5: 180 P -> A: not seen"), std::string::npos) << txt;
  EXPECT_NE(txt.find("      engine: A never received F5 (180 P -> A) within 1s"), std::string::npos)
      << txt;
}

}  // namespace
