// Integration: `ladder run LADDER --calls N --rate R` as a user runs it, against a real Kamailio
// started by the test on a free port: the load played, lo captured, every call checked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test.h"
#include "engine/testing/kamailio_process.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;
const fs::path kScenarios = kSource / "scenarios";

class RunLoad : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
  }
  void start_kamailio(ladder::testing::KamailioOptions o = {}) {
    o.domain = "example.test";
    auto k = ladder::testing::KamailioProcess::start(o);
    ASSERT_TRUE(k) << k.error();
    kamailio_.emplace(std::move(*k));
  }
  fs::path testbed() {
    std::string p = kamailio_->endpoint().to_string();
    return write("testbed.yaml",
                 "roles:\n"
                 "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: example.test, "
                 "register: true}\n"
                 "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: example.test, "
                 "register: true}\n"
                 "  P: {dut: " + p + ", domain: example.test, kind: proxy, record_route: true}\n"
                 "capture: {interface: lo}\n");
  }
  Output run(const fs::path& tb, const std::string& extra) {
    return run_command(kLadder + " run '" + (kScenarios / "basic/successful-call.yaml").string() +
                           "' --testbed '" + tb.string() + "' --out '" + (dir_ / "out").string() +
                           "'" + extra + " 2>&1",
                       60);
  }
  std::optional<ladder::testing::KamailioProcess> kamailio_;
};

TEST_F(RunLoad, EveryCallOfTheLoadIsCheckedFromTheCapture) {
  start_kamailio();
  Output o = run(testbed(), " --calls 60 --rate 30 --junit '" + (dir_ / "j.xml").string() + "'");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("60 calls, 60 passed, 0 failed"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("load: 60 calls attempted at"), std::string::npos) << o.out;
  // Not a terminal and no --progress: no progress line in a CI log.
  EXPECT_EQ(o.out.find("calls/s  passed"), std::string::npos) << o.out;
  auto j = nlohmann::json::parse(read_file(dir_ / "out" / "report.json"));
  EXPECT_EQ(j["load"]["attempted"], 60);
  EXPECT_EQ(j["load"]["unknown"], 0);
  EXPECT_EQ(j["check"]["calls_passed"], 60);
  double rate = j["load"]["achieved_rate"];
  EXPECT_GT(rate, 25);
  EXPECT_LT(rate, 35);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "capture.pcap"));
  EXPECT_NE(read_file(dir_ / "j.xml").find("<testsuite"), std::string::npos);
}

// Registered roles on two engines (asked for): the second registers as alice-2 and bob-2, and
// each call is checked with its engine's users, live and again from the saved capture.
TEST_F(RunLoad, TwoEnginesRegisterApartAndEachCallIsCheckedWithItsEnginesUsers) {
  start_kamailio();
  fs::path tb = testbed();
  Output o = run(tb, " --calls 60 --rate 60 --engines 2");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("60 calls, 60 passed, 0 failed"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("2 engines"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("A alice-2, B bob-2"), std::string::npos) << o.out;
  auto j = nlohmann::json::parse(read_file(dir_ / "out" / "report.json"));
  ASSERT_EQ(j["check"]["roles"]["B"].size(), 2u);
  std::string roles;
  for (const auto& [role, addresses] : j["check"]["roles"].items()) {
    for (const auto& a : addresses) roles += " --role " + role + "=" + a.get<std::string>();
  }
  Output again = run_command(kLadder + " check '" + (dir_ / "out" / "capture.pcap").string() +
                                 "' -s '" + (kScenarios / "basic/successful-call.yaml").string() +
                                 "' --each --testbed '" + tb.string() + "'" + roles + " 2>&1",
                             60);
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("60 calls, 60 passed, 0 failed"), std::string::npos) << again.out;
}

TEST_F(RunLoad, AProxyThatDropsThe180FailsTheLoadAtTheStep) {
  ladder::testing::KamailioOptions k;
  k.defines = {"DROP_180"};
  start_kamailio(k);
  Output o = run(testbed(), " --calls 10 --rate 20 --step-timeout 1 --progress");
  EXPECT_EQ(o.status, 1) << o.out;
  // The proxy swallowed B's 180 (F4): A never got it (F5), in every call.
  EXPECT_NE(o.out.find("F5 missing: 10 calls"), std::string::npos) << o.out;
  // --progress: the line even without a terminal.
  EXPECT_NE(o.out.find("calls/s  passed"), std::string::npos) << o.out;
}

// The transfer (three dialogs a flow: A-B, the REFER's subscription, A-C) as load: every
// flow's Call-IDs carry its number, and the capture is checked flow by flow.
class RunTransferLoad : public RunLoad {
 protected:
  Output run_transfer(const std::string& extra) {
    std::string p = kamailio_->endpoint().to_string();
    fs::path tb = write("abc.yaml",
                        "roles:\n"
                        "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, "
                        "domain: example.test, register: true}\n"
                        "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, "
                        "domain: example.test, register: true}\n"
                        "  C: {played_by: harness, bind: 127.0.0.1:0, user: carol, "
                        "domain: example.test, register: true}\n"
                        "  P: {dut: " + p + ", domain: example.test, kind: proxy, record_route: true}\n"
                        "capture: {interface: lo}\n");
    return run_command(kLadder + " run '" +
                           (kScenarios / "transfer/unattended-transfer.yaml").string() +
                           "' --testbed '" + tb.string() + "' --out '" + (dir_ / "out").string() +
                           "'" + extra + " 2>&1",
                       90);
  }
};

TEST_F(RunTransferLoad, EveryTransferOfTheLoadIsCheckedFromTheCapture) {
  start_kamailio();
  Output o = run_transfer(" --calls 30 --rate 30");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("30 calls, 30 passed, 0 failed"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("engine's view: 30 completed, 0 failed"), std::string::npos) << o.out;
  auto j = nlohmann::json::parse(read_file(dir_ / "out" / "report.json"));
  EXPECT_EQ(j["check"]["calls_passed"], 30);
  EXPECT_EQ(j["load"]["unknown"], 0);
  ASSERT_TRUE(fs::exists(dir_ / "out" / "capture.pcap"));
  // The saved capture alone, checked again: its Call-IDs say which flow they belong to.
  std::string roles;
  for (const auto& [role, addresses] : j["check"]["roles"].items()) {
    for (const auto& a : addresses) roles += " --role " + role + "=" + a.get<std::string>();
  }
  Output again = run_command(kLadder + " check '" + (dir_ / "out" / "capture.pcap").string() +
                                 "' -s '" + (kScenarios / "transfer/unattended-transfer.yaml").string() +
                                 "' --each --testbed '" + (dir_ / "abc.yaml").string() + "'" +
                                 roles + " 2>&1",
                             60);
  EXPECT_EQ(again.status, 0) << again.out;
  EXPECT_NE(again.out.find("30 calls, 30 passed, 0 failed"), std::string::npos) << again.out;
}

TEST_F(RunTransferLoad, AProxyThatDropsThe180FailsEveryTransferAtTheStep) {
  ladder::testing::KamailioOptions k;
  k.defines = {"DROP_180"};
  start_kamailio(k);
  Output o = run_transfer(" --calls 4 --rate 10 --step-timeout 1");
  EXPECT_EQ(o.status, 1) << o.out;
  // B's 180 to A's first INVITE (F3 -> F4) never reached A, in every flow, seen on the wire.
  EXPECT_NE(o.out.find("F4 missing: 4 calls"), std::string::npos) << o.out;
  auto j = nlohmann::json::parse(read_file(dir_ / "out" / "report.json"));
  EXPECT_EQ(j["check"]["calls_failed"], 4);
}

TEST_F(RunLoad, LoadOptionsWithoutABoundOrWithAHandsetAreUsageErrors) {
  start_kamailio();
  fs::path tb = testbed();
  Output o = run(tb, " --rate 10");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("give --calls N or --duration D"), std::string::npos) << o.out;
  o = run(tb, " --calls 10 --rate x");
  EXPECT_EQ(o.status, 2) << o.out;
  fs::path driven = write("driven.yaml",
                          "roles:\n"
                          "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, "
                          "domain: example.test}\n"
                          "  B: {dut: 127.0.0.1:5999, user: bob, driver: {kind: prompt}}\n"
                          "  P: {dut: " + kamailio_->endpoint().to_string() +
                              ", domain: example.test, kind: proxy, record_route: true}\n");
  o = run(driven, " --calls 10 --rate 10");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("B is a handset the testbed drives"), std::string::npos) << o.out;
}

}  // namespace
