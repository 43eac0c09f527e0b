// Integration: `ladder run` as a user runs it, against a real Kamailio started by the test on a
// free port: the engine plays the roles, libpcap captures lo, the checker reads the capture.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/testing/kamailio_process.h"
#include "testing/child_process.h"
#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;

const fs::path kScenarios = kSource / "scenarios";

class Run : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
  }
  std::optional<ladder::testing::KamailioProcess> kamailio_;

  void start_kamailio(ladder::testing::KamailioOptions o = {}) {
    o.domain = "example.test";
    auto k = ladder::testing::KamailioProcess::start(o);
    ASSERT_TRUE(k) << k.error();
    kamailio_.emplace(std::move(*k));
  }
  // A loopback testbed: A and B (and C) played and registered, P the Kamailio DUT.
  fs::path testbed(const std::string& transport = "udp") {
    return write("testbed.yaml", testbed_text(transport));
  }
  std::string testbed_text(const std::string& transport = "udp") {
    std::string p = kamailio_->endpoint().to_string();
    std::string t = ", transport: " + transport;
    return std::string(
                 "roles:\n"
                 "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: example.test, "
                 "register: true" + t + "}\n"
                 "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: example.test, "
                 "register: true" + t + "}\n"
                 "  C: {played_by: harness, bind: 127.0.0.1:0, user: carol, domain: example.test, "
                 "register: true" + t + "}\n"
                 "  P: {dut: " + p + ", domain: example.test, kind: proxy, record_route: true}\n"
                 "capture: {interface: lo, linger: 300ms}\n");
  }
  Output run(const std::string& scenario, const std::string& extra = "",
             const std::string& transport = "udp") {
    return run_with(scenario, testbed(transport), extra);
  }
  Output run_with(const std::string& scenario, const fs::path& tb, const std::string& extra = "") {
    return run_command(kLadder + " run '" + (kScenarios / scenario).string() + "' --testbed '" +
                           tb.string() + "' --out '" + (dir_ / "out").string() + "'" + extra +
                           " 2>&1",
                       60);
  }
};

TEST_F(Run, SuccessfulCallThroughKamailioPassesFromTheCapture) {
  start_kamailio();
  Output o = run("basic/successful-call.yaml");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: basic-successful-call: 13/13 steps passed, 0 failures"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("capture.pcap on lo"), std::string::npos) << o.out;
  // The run directory holds the capture and every report, and the capture is the wire's.
  for (const char* f : {"capture.pcap", "report.json", "junit.xml", "ladder.txt"}) {
    EXPECT_TRUE(fs::exists(dir_ / "out" / f)) << f;
  }
  // JUnit carries how long the ladder took (a run takes more than a millisecond).
  std::string junit = read_file(dir_ / "out" / "junit.xml");
  EXPECT_NE(junit.find("<testcase"), std::string::npos) << junit;
  EXPECT_EQ(junit.find("time=\"0.000\""), std::string::npos) << junit;
  auto j = nlohmann::json::parse(read_file(dir_ / "out" / "report.json"));
  EXPECT_EQ(j["passed"], true);
  EXPECT_EQ(j["steps"][2]["id"], "F3");
  EXPECT_EQ(j["steps"][2]["status"], "passed");
  Output show = run_command(kLadder + " show '" + (dir_ / "out" / "capture.pcap").string() + "'");
  EXPECT_NE(show.out.find("INVITE"), std::string::npos) << show.out;
}

TEST_F(Run, SeedTransferF1ToF28PassesOverUdp) {
  start_kamailio();
  Output o = run("transfer/unattended-transfer.yaml");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: transfer-unattended"), std::string::npos) << o.out;
}

TEST_F(Run, SeedTransferF1ToF28PassesOverTcp) {
  start_kamailio();
  Output o = run("transfer/unattended-transfer.yaml", "", "tcp");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: transfer-unattended"), std::string::npos) << o.out;
  Output show = run_command(kLadder + " show '" + (dir_ / "out" / "capture.pcap").string() + "'");
  EXPECT_NE(show.out.find("[tcp]"), std::string::npos) << "no SIP over TCP in the capture:\n"
                                                       << show.out;
}

TEST_F(Run, UserCPlayedByAnExternalSippIsCheckedLikeAnyOther) {
  // SIPp plays User C (testbeds/sipp/user-c.xml, Record-Route aware); Kamailio's fixed hop sends
  // requests for carol straight to it. Its messages are expectations only, checked on the wire.
  auto ports = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  ASSERT_TRUE(ports);
  std::uint16_t c_port = *ports;
  ladder::testing::KamailioOptions ko;
  ko.substdef = {{"UAS_USER", "carol"}, {"UAS_ADDR", "127.0.0.1"},
                 {"UAS_PORT", std::to_string(c_port)}};
  start_kamailio(ko);
  auto cp = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  auto mp = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  ASSERT_TRUE(cp && mp);
  auto sipp = ladder::testing::ChildProcess::start(
      {"sipp", "-sf", (fs::path(LADDER_SOURCE_DIR) / "testbeds/sipp/user-c.xml").string(), "-s",
       "carol", "-i", "127.0.0.1", "-p", std::to_string(c_port), "-cp", std::to_string(*cp), "-mp",
       std::to_string(*mp), "-m", "1", "-nostdin", "-timeout", "30s", "-timeout_error"},
      (dir_ / "sipp.log").string());
  ASSERT_GT(sipp.pid(), 0);
  ASSERT_TRUE(ladder::testing::wait_udp_bound(c_port, std::chrono::seconds(5)))
      << read_file(dir_ / "sipp.log");
  std::string tb = testbed_text();
  std::size_t c = tb.find("  C: ");
  tb.replace(c, tb.find('\n', c) - c,
             "  C: {external: 127.0.0.1:" + std::to_string(c_port) +
                 ", user: carol, domain: example.test}");
  Output o = run_with("transfer/unattended-transfer.yaml", write("external-c.yaml", tb));
  EXPECT_EQ(o.status, 0) << o.out << read_file(dir_ / "sipp.log");
  EXPECT_NE(o.out.find("PASSED: transfer-unattended"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("C = 127.0.0.1:" + std::to_string(c_port)), std::string::npos) << o.out;
  // SIPp saw the whole call (INVITE, ACK, BYE) and ends by itself.
  EXPECT_EQ(sipp.wait(std::chrono::seconds(10)), 0) << read_file(dir_ / "sipp.log");
}

TEST_F(Run, NoCaptureChecksTheEnginesViewAndSaysSo) {
  start_kamailio();
  Output o = run("basic/busy.yaml", " --no-capture");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("checked from the engine's own view, not from a capture"),
            std::string::npos)
      << o.out;
}

TEST_F(Run, ProxyThatDoesNotRecordRouteFailsAtTheForward) {
  start_kamailio({.defines = {"NO_RECORD_ROUTE"}});
  Output o = run("basic/successful-call.yaml");
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("F3: Record-Route: the proxy record-routes (forward of F1)"),
            std::string::npos)
      << o.out;
}

// The RFC 3665-style library through the real CLI, from the wire.
class RunLibrary : public Run, public ::testing::WithParamInterface<const char*> {};

TEST_P(RunLibrary, PassesThroughKamailio) {
  start_kamailio();
  Output o = run(GetParam());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: "), std::string::npos) << o.out;
  EXPECT_EQ(o.out.find("FAIL "), std::string::npos) << o.out;
}

INSTANTIATE_TEST_SUITE_P(Basic, RunLibrary,
                         ::testing::Values("basic/busy.yaml", "basic/no-answer-cancel.yaml",
                                           "basic/unknown-user.yaml", "hold/hold-resume.yaml"),
                         [](const auto& info) {
                           std::string n = fs::path(info.param).stem().string();
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST_F(Run, RegisterDigestWithThePasswordFromTheEnvironment) {
  ladder::testing::KamailioOptions ko;
  ko.defines = {"WITH_AUTH"};
  ko.substdef = {{"AUTH_USER", "alice"}, {"AUTH_PASSWORD", "pw-from-env"},
                 {"AUTH_REALM", "example.test"}};
  start_kamailio(ko);
  fs::path tb = write("auth.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: example.test, "
                      "password_env: LADDER_RUN_TEST_PW}\n"
                      "  P: {dut: " + kamailio_->endpoint().to_string() +
                          ", domain: example.test, kind: proxy}\n"
                      "capture: {interface: lo, linger: 200ms}\n");
  Output o = run_command("LADDER_RUN_TEST_PW=pw-from-env " + kLadder + " run '" +
                         (kScenarios / "register/register-digest.yaml").string() + "' --testbed '" +
                         tb.string() + "' --out '" + (dir_ / "out").string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: "), std::string::npos) << o.out;
  Output wrong = run_command("LADDER_RUN_TEST_PW=wrong " + kLadder + " run '" +
                             (kScenarios / "register/register-digest.yaml").string() +
                             "' --testbed '" + tb.string() + "' --step-timeout 2 --out '" +
                             (dir_ / "wrong").string() + "' 2>&1");
  EXPECT_EQ(wrong.status, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("403"), std::string::npos) << wrong.out;
}

TEST_F(Run, DirectCallWithoutAProxy) {
  // No DUT, so the capture filters on the roles' host only: an address of this process's own,
  // not 127.0.0.1, whose other traffic (a load test beside this one) made the kernel drop this
  // call's INVITE from the capture buffer once.
  unsigned pid = static_cast<unsigned>(::getpid());
  std::string host =
      "127.77." + std::to_string(pid / 250 % 250 + 1) + "." + std::to_string(pid % 250 + 1);
  fs::path tb = write("direct.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, bind: " + host + ":0, user: alice}\n"
                      "  B: {played_by: harness, bind: " + host + ":0, user: bob}\n"
                      "capture: {interface: lo, linger: 200ms}\n");
  Output o = run_with("basic/direct-call.yaml", tb);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: basic-direct-call"), std::string::npos) << o.out;
}

TEST_F(Run, CallOverIpv6Loopback) {
  ladder::testing::KamailioOptions ko;
  ko.listen_addr = "::1";
  start_kamailio(ko);
  std::string p = kamailio_->endpoint().to_string();
  fs::path tb = write("v6.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, bind: '[::1]:0', user: alice, domain: example.test, "
                      "register: true}\n"
                      "  B: {played_by: harness, bind: '[::1]:0', user: bob, domain: example.test, "
                      "register: true}\n"
                      "  P: {dut: '" + p + "', domain: example.test, kind: proxy, record_route: true}\n"
                      "capture: {interface: lo, linger: 200ms}\n");
  Output o = run_with("basic/successful-call.yaml", tb);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("P = " + p), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("PASSED: basic-successful-call"), std::string::npos) << o.out;
}

// The seed run against a Kamailio made to misbehave fails at the right step, saying why.
struct Misbehaviour {
  const char* define;
  const char* expected;  // a failure line of the verdict
};

void PrintTo(const Misbehaviour& m, std::ostream* os) { *os << m.define; }

class RunMisbehaving : public Run, public ::testing::WithParamInterface<Misbehaviour> {};

TEST_P(RunMisbehaving, SeedTransferFailsAtTheRightStep) {
  start_kamailio({.defines = {GetParam().define}});
  Output o = run("transfer/unattended-transfer.yaml", " --step-timeout 1");
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find(GetParam().expected), std::string::npos) << o.out;
}

INSTANTIATE_TEST_SUITE_P(
    Kamailio, RunMisbehaving,
    ::testing::Values(
        Misbehaviour{"NO_RECORD_ROUTE",
                     "F2: Record-Route: the proxy record-routes (forward of F1): expected a "
                     "Record-Route added, seen none"},
        Misbehaviour{"NO_MF_DECREMENT",
                     "F2: Max-Forwards: one less (forward of F1): expected 69, seen 70"},
        Misbehaviour{"DROP_180", "F4: 180 P -> A: not seen"},
        Misbehaviour{"REWRITE_FROM", "F2: From: must be kept (forward of F1): expected"}),
    [](const auto& info) { return std::string(info.param.define); });

TEST_F(Run, SilentDutFailsAtTheStepAndNeverHangs) {
  // A "proxy" that never answers: a bound UDP socket nobody reads.
  auto port = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  ASSERT_TRUE(port);
  fs::path tb = write("silent.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: x.test}\n"
                      "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: x.test}\n"
                      "  P: {dut: 127.0.0.1:" + std::to_string(*port) +
                          ", domain: x.test, kind: proxy}\n"
                      "capture: {interface: lo, linger: 100ms}\n");
  Output o = run_command(kLadder + " run '" + (kScenarios / "basic/successful-call.yaml").string() +
                             "' --testbed '" + tb.string() + "' --step-timeout 1 --out '" +
                             (dir_ / "silent").string() + "' 2>&1",
                         30);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("engine: "), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("within 1s"), std::string::npos) << o.out;
  EXPECT_TRUE(fs::exists(dir_ / "silent" / "capture.pcap"));
}

TEST_F(Run, UnknownTestbedKeyIsAnInputError) {
  fs::path tb = write("bad.yaml", "roles:\n  A: {played_by: harness, bnd: 127.0.0.1:0}\n");
  Output o = run_command(kLadder + " run '" + (kScenarios / "basic/busy.yaml").string() +
                         "' --testbed '" + tb.string() + "' 2>&1");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("bad.yaml:2:"), std::string::npos) << o.out;
}

}  // namespace
