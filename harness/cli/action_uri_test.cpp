// Bench mode through the `action-uri` driver, end to end: `ladder run` sends Yealink-style
// Action URI commands (HTTP, basic auth from the environment) to a small web server that
// speaks the phone's side (harness/engine/testing/action_uri_phone.py); it turns them into
// ctrl_tcp commands to a real baresip registered at a real Kamailio, and calls the harness's
// Action URL listener on baresip's events. The verdict comes from the capture; the phone's
// Action URL events appear in the reports. Every process is started on free ports and stopped
// by PID.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "cli/cli_test.h"
#include "engine/testing/baresip_process.h"
#include "engine/testing/kamailio_process.h"
#include "testing/child_process.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;

const fs::path kScenarios = kSource / "scenarios";
const fs::path kPhone = kSource / "harness/engine/testing/action_uri_phone.py";
// Unlikely to appear anywhere by chance: a report or log that contains it leaked it.
constexpr const char* kPassword = "pw-Zq81-Action-Secret";

std::string base64(const std::string& in) {
  static const char* abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += abc[(v >> 18) & 63];
    out += abc[(v >> 12) & 63];
    out += i + 1 < in.size() ? abc[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? abc[v & 63] : '=';
  }
  return out;
}

class ActionUri : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
    if (run_command("command -v baresip").status != 0) GTEST_SKIP() << "baresip is not installed";
    if (run_command("command -v python3").status != 0) GTEST_SKIP() << "python3 is not installed";
    ::setenv("LADDER_TEST_PHONE_USER", "admin", 1);
    ::setenv("LADDER_TEST_PHONE_PASS", kPassword, 1);
    ladder::testing::KamailioOptions ko;
    ko.domain = "example.test";
    auto k = ladder::testing::KamailioProcess::start(ko);
    ASSERT_TRUE(k) << k.error();
    kamailio_.emplace(std::move(*k));
    ladder::testing::BaresipOptions o;
    o.user = "alice";
    o.proxy = kamailio_->endpoint();
    auto b = ladder::testing::BaresipProcess::start(o);
    ASSERT_TRUE(b) << b.error();
    baresip_.emplace(std::move(*b));
    auto port = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
    ASSERT_TRUE(port) << port.error();
    listener_ = "127.0.0.1:" + std::to_string(*port);
  }
  void TearDown() override {
    if (HasFailure() && baresip_) {
      std::fprintf(stderr, "phone log:\n%s\nbaresip log:\n%s\n",
                   read_file(dir_ / "phone.log").c_str(), baresip_->log().c_str());
    }
    phone_.reset();
    baresip_.reset();
    kamailio_.reset();
    TempDirTest::TearDown();
  }

  /// The phone's web side in front of baresip; its HTTP port once it says READY.
  void start_phone(bool ignore = false) {
    std::vector<std::string> argv = {
        "python3",        kPhone.string(),         "--ctrl", baresip_->control().to_string(),
        "--action-url",   "http://" + listener_,   "--user", "admin",
        "--password-env", "LADDER_TEST_PHONE_PASS"};
    if (ignore) argv.push_back("--ignore");
    phone_.emplace(ladder::testing::ChildProcess::start(argv, (dir_ / "phone.log").string()));
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < end && phone_->running()) {
      std::string log = read_file(dir_ / "phone.log");
      if (auto at = log.find("READY ");
          at != std::string::npos && log.find('\n', at) != std::string::npos) {
        web_ = "http://127.0.0.1:" + std::to_string(std::stoi(log.substr(at + 6)));
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));  // poll, within `end`
    }
    FAIL() << "the phone's web side did not start: " << read_file(dir_ / "phone.log");
  }

  /// A the phone (driven by action-uri at `base`), B and C played by the harness, P the proxy.
  fs::path testbed(const std::string& base) {
    std::string text =
        "roles:\n"
        "  A: {dut: " +
        baresip_->sip().to_string() +
        ", user: alice, domain: example.test,\n"
        "      driver: {kind: action-uri, base: \"" +
        base +
        "\", auth: basic,\n"
        "               user_env: LADDER_TEST_PHONE_USER, password_env: LADDER_TEST_PHONE_PASS,\n"
        "               listen: " +
        listener_ + "}}\n";
    for (std::string r : {std::string("B: {user: bob"), "C: {user: " + c_user_}) {
      text += "  " + r +
              ", played_by: harness, bind: 127.0.0.1:0, domain: example.test, register: true}\n";
    }
    text += "  P: {dut: " + kamailio_->endpoint().to_string() +
            ", domain: example.test, kind: proxy, record_route: true}\n"
            "capture: {interface: lo, linger: 300ms}\n";
    return write("testbed.yaml", text);
  }
  Output run(const std::string& scenario, const std::string& base, const std::string& extra = "") {
    fs::path ladder = scenario.starts_with("/") ? fs::path(scenario) : kScenarios / scenario;
    return run_command(kLadder + " run '" + ladder.string() + "' --testbed '" +
                           testbed(base).string() + "' --out '" + (dir_ / "out").string() + "'" +
                           extra + " 2>&1",
                       60);
  }
  std::vector<std::string> events() {
    auto j = nlohmann::json::parse(read_file(dir_ / "out" / "report.json"));
    std::vector<std::string> out;
    for (const auto& e : j["driver_events"]) {
      EXPECT_EQ(e["role"], "A");
      EXPECT_EQ(e["driver"], "action-uri");
      out.push_back(e["event"]);
    }
    return out;
  }
  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }
  /// Every file of the run directory, and the run's own output, without the password.
  void expect_no_password(const Output& o) {
    // Plain, and as HTTP Basic carries it (a capture of the phone's HTTP would hold that).
    const std::string basic = base64(std::string("admin:") + kPassword);
    EXPECT_EQ(o.out.find(kPassword), std::string::npos) << "the password in the run's output";
    EXPECT_EQ(o.out.find(basic), std::string::npos) << "the login in the run's output";
    int files = 0;
    for (const auto& f : fs::recursive_directory_iterator(dir_ / "out")) {
      if (!f.is_regular_file()) continue;
      ++files;
      std::string text = read_file(f.path());
      EXPECT_EQ(text.find(kPassword), std::string::npos) << "the password in " << f.path();
      EXPECT_EQ(text.find(basic), std::string::npos) << "the login in " << f.path();
    }
    EXPECT_GT(files, 2) << "the run wrote its reports";
  }

  std::optional<ladder::testing::KamailioProcess> kamailio_;
  std::optional<ladder::testing::BaresipProcess> baresip_;
  std::optional<ladder::testing::ChildProcess> phone_;
  std::string listener_;  ///< the harness's Action URL listener
  std::string web_;       ///< the phone's web side
  std::string c_user_ = "carol";
};

TEST_F(ActionUri, PhoneCallsBAndBHangsUp) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  Output o = run("phone/call-out.yaml", web_);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-call-out: 13/13 steps passed"), std::string::npos) << o.out;
  // The phone's Action URL events, at their time, in every report.
  auto ev = events();
  EXPECT_TRUE(has(ev, "established")) << o.out;
  EXPECT_TRUE(has(ev, "terminated")) << o.out;
  EXPECT_NE(o.out.find("~ A (action-uri) established"), std::string::npos) << o.out;
  EXPECT_NE(read_file(dir_ / "out" / "junit.xml").find("A (action-uri) terminated"),
            std::string::npos);
  // What the phone was asked, over HTTP with its login.
  std::string log = read_file(dir_ / "phone.log");
  EXPECT_NE(log.find("GET /servlet?key=number=sip%3Abob%40example.test"), std::string::npos) << log;
}

TEST_F(ActionUri, BCallsThePhoneWhichAnswersOnceItSaidIncoming) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  Output o = run("phone/call-in.yaml", web_);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-call-in"), std::string::npos) << o.out;
  auto ev = events();
  EXPECT_TRUE(has(ev, "incoming")) << o.out;
  EXPECT_TRUE(has(ev, "terminated")) << o.out;
  // Answered by naming the call the phone announced.
  EXPECT_NE(read_file(dir_ / "phone.log").find("GET /servlet?key=ASW%3A"), std::string::npos);
}

TEST_F(ActionUri, TheSeedFlowWithThePhoneAsTransferee) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  Output o = run("phone/transferee.yaml", web_);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-transferee"), std::string::npos) << o.out;
  EXPECT_TRUE(has(events(), "transfer")) << o.out;
}

TEST_F(ActionUri, ABlindTransferByTheKeysTheStepPresses) {
  // What inference cannot know: this model's transfer keys. C has a number for a user, as a
  // keypad can type it; the phone's web side turns F_TRANSFER 1 0 0 3 POUND into a REFER.
  ASSERT_NO_FATAL_FAILURE(start_phone());
  c_user_ = "1003";
  std::string text = read_file(kScenarios / "phone/blind-transfer.yaml");
  const std::string refer = "    request: REFER\n    dialog: ba\n";
  std::size_t at = text.find(refer);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + refer.size(), "    action: {press: [F_TRANSFER, '1', '0', '0', '3', POUND]}\n");
  fs::path ladder = write("press-transfer.yaml", text);
  Output o = run(ladder.string(), web_);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-blind-transfer"), std::string::npos) << o.out;
  std::string log = read_file(dir_ / "phone.log");
  for (const char* key : {"F_TRANSFER", "1", "0", "3", "POUND"}) {
    EXPECT_NE(log.find(std::string("GET /servlet?key=") + key + " "), std::string::npos) << key;
  }
}

TEST_F(ActionUri, ThePasswordAppearsInNoReportAndNoLog) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  Output o = run("phone/call-out.yaml", web_, " --step-timeout 5");
  EXPECT_EQ(o.status, 0) << o.out;
  expect_no_password(o);
}

TEST_F(ActionUri, AWrongPasswordEndsTheRunWithExit3AndNamesThePhone) {
  ASSERT_NO_FATAL_FAILURE(start_phone());
  ::setenv("LADDER_TEST_PHONE_PASS", "not-the-password", 1);
  Output o = run("phone/call-out.yaml", web_);
  ::setenv("LADDER_TEST_PHONE_PASS", kPassword, 1);
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("A (action-uri at " + web_ +
                       "): HTTP 401 Unauthorized; check the user and password in "
                       "$LADDER_TEST_PHONE_USER and $LADDER_TEST_PHONE_PASS"),
            std::string::npos)
      << o.out;
  EXPECT_EQ(o.out.find("not-the-password"), std::string::npos) << o.out;
}

TEST_F(ActionUri, APhoneThatRefusesTheConnectionEndsTheRunWithExit3) {
  auto port = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  ASSERT_TRUE(port);
  std::string nobody = "http://127.0.0.1:" + std::to_string(*port);
  Output o = run("phone/call-out.yaml", nobody);
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("A (action-uri at " + nobody +
                       "): connection refused; is the phone on, at that address, with Action URI "
                       "enabled (features.action_uri.enable=1)?"),
            std::string::npos)
      << o.out;
}

TEST_F(ActionUri, APhoneThatIgnoresItsCommandFailsAtThatStepAndSaysWhich) {
  ASSERT_NO_FATAL_FAILURE(start_phone(/*ignore=*/true));
  auto start = std::chrono::steady_clock::now();
  Output o = run("phone/call-out.yaml", web_, " --step-timeout 2");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("A (action-uri): dial sip:bob@example.test sent at 0."), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find(" s; no F1 (INVITE A -> P) within 2s"), std::string::npos) << o.out;
  EXPECT_LT(took, 10.0) << o.out;
}

}  // namespace

namespace {

TEST(ActionUriExample, TheShippedExampleTestbedValidates) {
  using namespace ladder::cli::testing;
  Output o = run_command(kLadder + " validate '" +
                         (kSource / "testbeds/yealink-example.yaml").string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
}

}  // namespace
