// Integration: `ladder check --live IFACE` as a QA engineer runs it beside a load generator:
// SIPp uac -> Kamailio -> SIPp uas on loopback, every call checked while the load runs, Ctrl-C
// ends it with the --each report; and the errors a user meets (no such interface, both a file
// and --live, a bad --duration). Needs CAP_NET_RAW, sipp and kamailio for the load (skips
// without them, saying why).
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli/cli_test.h"
#include "engine/testing/kamailio_process.h"
#include "testing/child_process.h"

namespace {

using namespace ladder::cli::testing;
using namespace std::chrono_literals;

const fs::path kBasic = kSource / "scenarios" / "basic" / "caller-hangs-up.yaml";

std::uint16_t free_port() {
  auto p = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  return p ? *p : 0;
}

class Live : public ladder::testing::TempDirTest {};

TEST_F(Live, NoSuchInterfaceIsAnEnvironmentError) {
  Output o = run_command(kLadder + " check --live ladder-no-such0 -s '" + kBasic.string() +
                         "' --duration 1s 2>&1");
  EXPECT_EQ(o.status, 3) << o.out;
  bool named = o.out.find("ladder check: capture on ladder-no-such0: no such interface") !=
               std::string::npos;
  bool refused = o.out.find("not permitted") != std::string::npos;
  EXPECT_TRUE(named || refused) << o.out;
}

TEST_F(Live, AFileAndLiveTogetherOrABadDurationAreUsageErrors) {
  Output both = run_command(kLadder + " check x.pcap --live lo -s '" + kBasic.string() + "' 2>&1");
  EXPECT_EQ(both.status, 2) << both.out;
  EXPECT_NE(both.out.find("give a capture file or --live INTERFACE (one of them)"), std::string::npos)
      << both.out;
  Output neither = run_command(kLadder + " check -s '" + kBasic.string() + "' 2>&1");
  EXPECT_EQ(neither.status, 2) << neither.out;
  Output bad = run_command(kLadder + " check --live lo -s '" + kBasic.string() +
                           "' --duration soon 2>&1");
  EXPECT_EQ(bad.status, 2) << bad.out;
  EXPECT_NE(bad.out.find("--duration: expected a duration such as 60s, got 'soon'"), std::string::npos)
      << bad.out;
}

TEST_F(Live, ASippLoadIsCheckedCallByCallUntilCtrlC) {
  if (run_command("command -v sipp >/dev/null && command -v kamailio >/dev/null").status != 0) {
    GTEST_SKIP() << "sipp or kamailio not installed";
  }
  std::uint16_t uas = free_port(), uac = free_port();
  ASSERT_NE(uas, 0);
  ASSERT_NE(uac, 0);
  ladder::testing::KamailioOptions ko;
  ko.substdef = {{"UAS_ADDR", "127.0.0.1"}, {"UAS_PORT", std::to_string(uas)}, {"LOG_LEVEL", "1"}};
  ko.defines = {"WITHOUT_TCP"};
  auto kam = ladder::testing::KamailioProcess::start(ko);
  ASSERT_TRUE(kam.has_value()) << kam.error();
  std::string proxy = "127.0.0.1:" + std::to_string(kam->endpoint().port);

  fs::path json = dir_ / "live.json", junit = dir_ / "live.xml", pcap = dir_ / "live.pcap",
           log = dir_ / "ladder.log";
  auto ladder = ladder::testing::ChildProcess::start(
      {kLadder, "check", "--live", "lo", "-s", kBasic.string(), "--role",
       "A=127.0.0.1:" + std::to_string(uac), "--role", "B=127.0.0.1:" + std::to_string(uas),
       "--role", "P=" + proxy, "--json", json.string(), "--junit", junit.string(), "--pcap",
       pcap.string(), "--duration", "60s"},
      log.string());
  ASSERT_GT(ladder.pid(), 0);
  // The capture is open once ladder says so; until then the load must wait.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (ladder::testing::read_file(log).find("checking every call live on lo") == std::string::npos &&
         ladder.running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);  // polling a file, bounded by the deadline
  }
  std::string started = ladder::testing::read_file(log);
  if (started.find("not permitted") != std::string::npos) GTEST_SKIP() << started;
  ASSERT_NE(started.find("checking every call live on lo for 60s (Ctrl-C stops)"), std::string::npos)
      << started;

  auto uas_proc = ladder::testing::ChildProcess::start(
      {"sipp", "-sf", (kSource / "testbeds/sipp/uas.xml").string(), "-i", "127.0.0.1", "-p",
       std::to_string(uas), "-cp", std::to_string(free_port()), "-mp", std::to_string(free_port()),
       "-m", "200", "-nostdin", "-timeout", "30s", "-timeout_error"},
      (dir_ / "uas.log").string());
  ASSERT_TRUE(ladder::testing::wait_udp_bound(uas, 5s)) << ladder::testing::read_file(dir_ / "uas.log");
  auto uac_proc = ladder::testing::ChildProcess::start(
      {"sipp", "-sf", (kSource / "testbeds/sipp/uac.xml").string(), proxy, "-s", "uas", "-i",
       "127.0.0.1", "-p", std::to_string(uac), "-cp", std::to_string(free_port()), "-mp",
       std::to_string(free_port()), "-m", "200", "-r", "200", "-d", "0", "-nostdin", "-timeout",
       "30s", "-timeout_error"},
      (dir_ / "uac.log").string());
  ASSERT_EQ(uac_proc.wait(30s), 0) << ladder::testing::read_file(dir_ / "uac.log");

  // Ctrl-C: ladder drains what the kernel still holds, checks the rest and reports.
  ASSERT_EQ(::kill(ladder.pid(), SIGINT), 0);
  int status = ladder.wait(20s);
  std::string out = ladder::testing::read_file(log);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("PASSED: basic-caller-hangs-up: 200 calls, 200 passed, 0 failed ("),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("call set-up (first step to the INVITE's 2xx at the caller): p50 "),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("0 dropped by the kernel"), std::string::npos) << out;
  EXPECT_NE(out.find("ladder check --live: peak RSS "), std::string::npos) << out;
  auto j = nlohmann::json::parse(ladder::testing::read_file(json));
  EXPECT_EQ(j["calls_passed"], 200);
  EXPECT_EQ(j["calls_unknown"], 0);
  EXPECT_GT(j["setup"]["p99_ms"].get<double>(), 0.0);
  EXPECT_NE(ladder::testing::read_file(junit).find("<property name=\"setup_p95_ms\""),
            std::string::npos);
  // The saved capture checks the same offline.
  Output again = run_command(kLadder + " check '" + pcap.string() + "' -s '" + kBasic.string() +
                             "' --each 2>&1");
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("200 calls, 200 passed, 0 failed"), std::string::npos) << again.out;
}

}  // namespace
