// Integration: LiveEach checks a real load call by call while it runs. SIPp uac -> Kamailio ->
// SIPp uas (testbeds/sipp/uac.xml, uas.xml) on loopback with ephemeral ports, captured live on
// lo and held against scenarios/basic/caller-hangs-up.yaml, the ladder made from such captures.
// Needs CAP_NET_RAW, sipp and kamailio: skips with a message without them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "engine/testing/kamailio_process.h"
#include "testing/child_process.h"
#include "testing/run_command.h"
#include "testing/unprivileged.h"
#include "usecase/live_each.h"
#include "usecase/usecase.h"

namespace ladder::usecase {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

const fs::path kSource = LADDER_SOURCE_DIR;

bool have(const std::string& program) {
  return ladder::testing::run_command("command -v " + program + " >/dev/null 2>&1").status == 0;
}

std::uint16_t free_port() {
  auto p = ladder::testing::free_port(*core::Address::parse("127.0.0.1"));
  return p ? *p : 0;
}

// The most calls in progress at once in a capture: each from its first message to its last.
std::uint64_t in_progress_on_the_wire(const std::string& pcap) {
  auto read = read_capture(pcap, "", {});
  EXPECT_TRUE(read.has_value()) << read.error();
  if (!read) return 0;
  std::map<std::string, std::pair<core::TimeNs, core::TimeNs>, std::less<>> span;
  for (const sip::WireMessage& m : read->messages) {
    auto [it, added] = span.try_emplace(std::string(m.message.summary().call_id), m.time, m.time);
    it->second.second = m.time;
  }
  std::vector<std::pair<core::TimeNs, int>> edges;  // +1 at a call's start, -1 after its end
  for (const auto& [id, s] : span) {
    edges.emplace_back(s.first, 1);
    edges.emplace_back(s.second + 1, -1);
  }
  std::sort(edges.begin(), edges.end());
  std::int64_t now = 0, most = 0;
  for (const auto& [t, d] : edges) most = std::max(most, now += d);
  return static_cast<std::uint64_t>(most);
}

struct Load {
  int calls = 1500;
  int rate = 300;
  std::vector<std::string> kamailio_defines;
  core::TimeNs idle = 32'000'000'000;
};

struct Outcome {
  LiveEachResult result;
  LiveStats during;         ///< the last snapshot taken while the load ran
  std::uint64_t snapshots = 0;
  int uac_status = -1;
};

class LiveEachTest : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (!have("sipp") || !have("kamailio")) GTEST_SKIP() << "sipp or kamailio not installed";
    auto loaded = scenario::load_scenario((kSource / "scenarios/basic/caller-hangs-up.yaml").string());
    ASSERT_TRUE(loaded.ok());
    scenario_ = std::move(*loaded.scenario);
  }

  // Runs the load with a live check; skips when capture is not permitted here.
  void run(const Load& load, Outcome& out) {
    std::uint16_t uas = free_port(), uac = free_port();
    ASSERT_NE(uas, 0);
    ASSERT_NE(uac, 0);
    ladder::testing::KamailioOptions ko;
    ko.substdef = {{"UAS_ADDR", "127.0.0.1"}, {"UAS_PORT", std::to_string(uas)},
                   {"LOG_LEVEL", "1"}, {"UDP_MAXBUF", "4194304"}};
    ko.defines = load.kamailio_defines;
    ko.defines.push_back("WITHOUT_TCP");
    auto kam = ladder::testing::KamailioProcess::start(ko);
    ASSERT_TRUE(kam.has_value()) << kam.error();
    core::Endpoint proxy = kam->endpoint();

    LiveEachOptions lo;
    std::string error;
    auto roles = scenario::RoleMap::parse(
        {"A=127.0.0.1:" + std::to_string(uac), "B=127.0.0.1:" + std::to_string(uas),
         "P=127.0.0.1:" + std::to_string(proxy.port)},
        &error);
    ASSERT_TRUE(roles) << error;
    lo.each.check.roles = *roles;
    lo.each.idle = load.idle;
    lo.pcap_path = (dir_ / "live.pcap").string();
    auto live = LiveEach::start(scenario_, lo);
    if (!live && live.error().find("not permitted") != std::string::npos) {
      GTEST_SKIP() << live.error();
    }
    ASSERT_TRUE(live.has_value()) << live.error();

    std::string calls = std::to_string(load.calls);
    auto uas_proc = ladder::testing::ChildProcess::start(
        {"sipp", "-sf", (kSource / "testbeds/sipp/uas.xml").string(), "-i", "127.0.0.1", "-p",
         std::to_string(uas), "-t", "u1", "-cp", std::to_string(free_port()), "-mp",
         std::to_string(free_port()), "-m", calls, "-buff_size", "4194304", "-default_behaviors",
         "all,-abortunexp", "-nostdin", "-timeout", "40s", "-timeout_error"},
        (dir_ / "uas.log").string());
    ASSERT_GT(uas_proc.pid(), 0);
    ASSERT_TRUE(ladder::testing::wait_udp_bound(uas, 5s)) << ladder::testing::read_file(dir_ / "uas.log");
    auto uac_proc = ladder::testing::ChildProcess::start(
        {"sipp", "-sf", (kSource / "testbeds/sipp/uac.xml").string(),
         "127.0.0.1:" + std::to_string(proxy.port), "-s", "uas", "-i", "127.0.0.1", "-p",
         std::to_string(uac), "-t", "u1", "-cp", std::to_string(free_port()), "-mp",
         std::to_string(free_port()), "-m", calls, "-r", std::to_string(load.rate), "-rp", "1000",
         "-l", "10000", "-d", "0", "-buff_size", "4194304", "-default_behaviors",
         "all,-abortunexp", "-nostdin", "-timeout", "30s", "-timeout_error"},
        (dir_ / "uac.log").string());
    ASSERT_GT(uac_proc.pid(), 0);
    // Snapshots from this thread while the checking thread works (stats() is for any thread),
    // at a progress line's pace, until the uac ends or the deadline passes.
    auto deadline = std::chrono::steady_clock::now() + 35s;
    do {
      out.during = (*live)->stats();
      ++out.snapshots;
      out.uac_status = uac_proc.wait(100ms);
    } while (uac_proc.pid() > 0 && std::chrono::steady_clock::now() < deadline);
    out.result = (*live)->finish(3s);
    if (out.uac_status != 0) ADD_FAILURE() << ladder::testing::read_file(dir_ / "uac.log");
  }

  scenario::Scenario scenario_;
};

TEST_F(LiveEachTest, EveryCallOfASippLoadThroughKamailioPassesWithBoundedMemory) {
  Load load;
  Outcome o;
  run(load, o);
  if (IsSkipped() || HasFatalFailure()) return;
  const checker::EachSummary& s = o.result.summary;
  EXPECT_EQ(o.uac_status, 0);
  EXPECT_TRUE(o.result.error.empty()) << o.result.error;
  EXPECT_EQ(s.calls, 1500u);
  EXPECT_EQ(s.passed, 1500u) << (s.first_failed.empty() ? "" : s.first_failed.front().call_id);
  EXPECT_EQ(s.failed, 0u);
  EXPECT_EQ(o.result.unknown, 0u);
  EXPECT_TRUE(o.result.all_passed());
  EXPECT_GE(o.result.frames, 1500u * 12);
  // Memory follows the calls in progress: a call is checked and freed as soon as it is whole,
  // so the checker never holds more calls than were in progress on the wire at one moment (from
  // a call's first message to its last, in the saved capture): a few at 300 calls/s of a few
  // milliseconds each, however busy the machine made them.
  std::uint64_t wire = in_progress_on_the_wire((dir_ / "live.pcap").string());
  EXPECT_GT(o.result.peak_open, 0u);
  EXPECT_LE(o.result.peak_open, wire);
  EXPECT_LT(wire, 1500u) << "the calls overlapped less than the whole load";
  EXPECT_GT(o.snapshots, 0u);
  EXPECT_GT(o.during.messages, 0u) << "stats() showed the check going on during the load";
  // Percentiles of the call set-up time and of each step's latency, from capture timestamps.
  ASSERT_EQ(s.setup.total, 1500u);
  core::TimeNs p50 = s.setup.percentile(0.5), p95 = s.setup.percentile(0.95),
               p99 = s.setup.percentile(0.99);
  EXPECT_GT(p50, 0);
  EXPECT_LE(p50, p95);
  EXPECT_LE(p95, p99);
  EXPECT_LE(p99, s.setup.max);
  ASSERT_TRUE(s.latency_by_step.count("F3"));  // P forwards A's INVITE to B
  EXPECT_EQ(s.latency_by_step.at("F3").total, 1500u);
  EXPECT_GT(s.latency_by_step.at("F3").percentile(0.5), 0);
  // The capture was saved as taken.
  EXPECT_GT(fs::file_size(dir_ / "live.pcap"), 1500u * 12 * 300);
}

TEST_F(LiveEachTest, AProxyThatSwallowsThe180FailsEveryCallAtThatStep) {
  Load load;
  load.calls = 600;
  load.kamailio_defines = {"DROP_180"};
  load.idle = 500'000'000;  // calls that never complete are checked 0.5 s after their last message
  Outcome o;
  run(load, o);
  if (IsSkipped() || HasFatalFailure()) return;
  const checker::EachSummary& s = o.result.summary;
  EXPECT_EQ(o.uac_status, 0) << "SIPp itself sees nothing wrong: its 180 is optional";
  EXPECT_EQ(s.calls, 600u);
  EXPECT_EQ(s.passed, 0u);
  EXPECT_FALSE(o.result.all_passed());
  // Had the kernel dropped frames, some of these calls would be unknown instead (they fail
  // only by a missing message); never passed either way.
  if (o.result.kernel_drops == 0) {
    EXPECT_EQ(o.result.unknown, 0u);
  }
  EXPECT_EQ(s.failed + o.result.unknown, 600u);
  std::map<std::string, std::uint64_t> by_step = s.failures_by_step;
  for (const auto& [what, n] : s.unknown_by_step) by_step[what] += n;
  EXPECT_EQ(by_step, (std::map<std::string, std::uint64_t>{{"F5 missing", 600}}));  // P -> A 180
  EXPECT_FALSE(s.first_failed.empty());
  // Calls that never complete are checked once idle, while the load runs, not all at the end.
  EXPECT_LT(o.result.peak_open, 600u);
}

TEST(LiveEachErrors, NoSuchInterfaceIsOneSentence) {
  auto loaded = scenario::load_scenario((kSource / "scenarios/basic/caller-hangs-up.yaml").string());
  ASSERT_TRUE(loaded.ok());
  LiveEachOptions lo;
  lo.interface = "ladder-no-such0";
  auto live = LiveEach::start(*loaded.scenario, lo);
  ASSERT_FALSE(live.has_value());
  if (live.error().find("not permitted") != std::string::npos) GTEST_SKIP() << live.error();
  EXPECT_EQ(live.error(), "capture on ladder-no-such0: no such interface");
}

TEST(LiveEachErrors, CaptureNotPermittedSaysHowToGrantIt) {
  auto loaded = scenario::load_scenario((kSource / "scenarios/basic/caller-hangs-up.yaml").string());
  ASSERT_TRUE(loaded.ok());
  // As root, in a child that gives up root.
  std::string got = testing::as_unprivileged([&] {
    auto live = LiveEach::start(*loaded.scenario, LiveEachOptions{});
    std::string out = live ? std::string("opened") : live.error();
    if (live) (*live)->finish(0ms);
    return out;
  });
  if (got == "opened") GTEST_SKIP() << "this user may capture; nothing to refuse";
  EXPECT_EQ(got, "capture on lo not permitted: run as root or `setcap cap_net_raw+ep ladder`");
}

TEST(LiveEachFilter, TakesEveryPortOfEveryRoleAndHostsOfAnyPortRoles) {
  std::string error;
  auto roles = scenario::RoleMap::parse(
      {"A=127.0.0.1:5071", "A=127.0.0.1:5072", "B=127.0.0.1:5080", "P=10.0.0.9"}, &error);
  ASSERT_TRUE(roles) << error;
  EXPECT_EQ(live_filter(*roles),
            "(port 5071 or port 5072 or port 5080 or host 10.0.0.9) or (ip and ip[6:2] & 0x1fff "
            "!= 0) or (ip6 and ip6[6] == 44)");
  EXPECT_EQ(live_filter({}), "");
}

}  // namespace
}  // namespace ladder::usecase
