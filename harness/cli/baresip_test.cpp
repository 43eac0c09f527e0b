// Bench mode end to end (issue 10): baresip 1.0 as the handset DUT, driven over ctrl_tcp by
// `ladder run`, registered to a real Kamailio; the harness plays the other users; the verdict
// comes from the capture. Both processes are started by the test on free ports and stopped by
// PID. The phone is whichever role the testbed says (A as the caller, B as the callee ...): the
// library's ladders run unchanged.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "engine/testing/baresip_process.h"
#include "engine/testing/kamailio_process.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;

const fs::path kScenarios = kSource / "scenarios";

struct Role {
  const char* id;
  const char* user;
};
constexpr Role kRoles[] = {{"A", "alice"}, {"B", "bob"}, {"C", "carol"}};

class Baresip : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
    if (run_command("command -v baresip").status != 0) GTEST_SKIP() << "baresip is not installed";
    auto k = ladder::testing::KamailioProcess::start(kamailio_options());
    ASSERT_TRUE(k) << k.error();
    kamailio_.emplace(std::move(*k));
  }
  void TearDown() override {
    if (HasFailure() && phone_) std::fprintf(stderr, "baresip log:\n%s\n", phone_->log().c_str());
    phone_.reset();
    kamailio_.reset();
    TempDirTest::TearDown();
  }

  virtual ladder::testing::KamailioOptions kamailio_options() {
    ladder::testing::KamailioOptions ko;
    ko.domain = "example.test";
    return ko;
  }

  /// baresip as `role` (with that role's user), registered at the test's Kamailio.
  void start_phone(const std::string& role, const std::string& answermode = "manual") {
    ladder::testing::BaresipOptions o;
    o.user = user_of(role);
    o.answermode = answermode;
    o.password = password_;
    o.proxy = kamailio_->endpoint();
    auto b = ladder::testing::BaresipProcess::start(o);
    ASSERT_TRUE(b) << b.error();
    phone_.emplace(std::move(*b));
    phone_role_ = role;
  }
  static std::string user_of(const std::string& role) {
    for (const Role& r : kRoles) {
      if (role == r.id) return r.user;
    }
    return "user";
  }
  /// Every user role played by the harness except the phone's, which is the baresip DUT driven
  /// at `control` (the phone's own ctrl_tcp unless a test points it elsewhere).
  fs::path testbed(std::optional<std::string> control = std::nullopt) {
    std::string text = "roles:\n";
    for (const Role& r : kRoles) {
      if (phone_role_ == r.id) {
        text += std::string("  ") + r.id + ": {dut: " + phone_->sip().to_string() +
                ", user: " + r.user + ", domain: example.test, driver: {kind: baresip, control: " +
                control.value_or(phone_->control().to_string()) + "}}\n";
      } else {
        text += std::string("  ") + r.id +
                ": {played_by: harness, bind: 127.0.0.1:0, user: " + r.user +
                ", domain: example.test, register: true" +
                (password_.empty() ? "" : ", password_env: LADDER_BARESIP_PW") + "}\n";
      }
    }
    text += "  P: {dut: " + kamailio_->endpoint().to_string() +
            ", domain: example.test, kind: proxy, record_route: true}\n"
            "capture: {interface: lo, linger: 300ms}\n";
    return write("testbed.yaml", text);
  }
  Output run(const std::string& scenario, const fs::path& tb, const std::string& extra = "") {
    std::string env = password_.empty() ? "" : "LADDER_BARESIP_PW=" + password_ + " ";
    return run_command(env + kLadder + " run '" + (kScenarios / scenario).string() + "' --testbed '" +
                           tb.string() + "' --out '" + (dir_ / "out").string() + "'" + extra +
                           " 2>&1",
                       60);
  }
  nlohmann::json report() { return nlohmann::json::parse(read_file(dir_ / "out" / "report.json")); }
  /// The phone's events in the JSON report, by name.
  std::vector<std::string> events(const nlohmann::json& j) {
    std::vector<std::string> out;
    for (const auto& e : j["driver_events"]) {
      EXPECT_EQ(e["role"], phone_role_);
      EXPECT_EQ(e["driver"], "baresip");
      out.push_back(e["event"]);
    }
    return out;
  }
  static bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  }

  std::optional<ladder::testing::KamailioProcess> kamailio_;
  std::optional<ladder::testing::BaresipProcess> phone_;
  std::string phone_role_;
  std::string password_;  ///< every user's, when the proxy challenges
};

TEST_F(Baresip, PhoneCallsBAndBHangsUp) {
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  Output o = run("phone/call-out.yaml", testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-call-out: 13/13 steps passed, 0 failures"), std::string::npos) << o.out;
  // The phone's own view, at its time beside the wire, in every report.
  auto ev = events(report());
  EXPECT_TRUE(has(ev, "CALL_ESTABLISHED")) << o.out;
  EXPECT_TRUE(has(ev, "CALL_CLOSED")) << o.out;
  EXPECT_NE(o.out.find("~ A (baresip) CALL_ESTABLISHED"), std::string::npos) << o.out;
  std::string junit = read_file(dir_ / "out" / "junit.xml");
  EXPECT_NE(junit.find("<system-out>"), std::string::npos) << junit;
  EXPECT_NE(junit.find("A (baresip) CALL_ESTABLISHED"), std::string::npos) << junit;
}

TEST_F(Baresip, BCallsThePhoneWhichAnswersAndHangsUp) {
  // The phone rings by itself, answers on `accept`, and its user hangs up (`hangup`).
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  Output o = run("phone/call-in.yaml", testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-call-in"), std::string::npos) << o.out;
  // Not CALL_ESTABLISHED: baresip says so when it has read the ACK, and the driver's hangup
  // (sent when the ACK is on the wire) may reach it first; the wire is the same either way.
  auto ev = events(report());
  EXPECT_TRUE(has(ev, "CALL_INCOMING")) << o.out;
  EXPECT_TRUE(has(ev, "CALL_CLOSED")) << o.out;
}

TEST_F(Baresip, PhoneHoldsAndResumes) {
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  Output o = run("phone/hold-resume.yaml", testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: "), std::string::npos) << o.out;
}

TEST_F(Baresip, PhoneRejectsACallBusy) {
  // baresip 1.0's `hangup` on a ringing call answers 486.
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  Output o = run("phone/reject-busy.yaml", testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-reject-busy"), std::string::npos) << o.out;
}

TEST_F(Baresip, WhatBaresipCannotDoFailsTheStepAtOnceAndSaysWhy) {
  // 603 Decline: baresip 1.0's only way to reject is its `hangup`, which answers 486.
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  std::string busy = read_file(kScenarios / "phone/reject-busy.yaml");
  for (std::size_t at; (at = busy.find("486")) != std::string::npos;) busy.replace(at, 3, "603");
  fs::path decline = write("decline.yaml", busy);
  auto start = std::chrono::steady_clock::now();
  Output o = run_command(kLadder + " run '" + decline.string() + "' --testbed '" +
                         testbed().string() + "' --out '" + (dir_ / "out").string() + "' 2>&1");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("A cannot perform F6 (603 A -> P): baresip 1.0 rejects an incoming call "
                       "only with 486 (its `hangup`), not with 603"),
            std::string::npos)
      << o.out;
  EXPECT_LT(took, 5.0) << "failed at once, not at the step's deadline";
}

TEST_F(Baresip, PhoneTransfersBToCBlind) {
  // A refers B to C (`transfer`), then releases (`hangup`); B calls C.
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  Output o = run("phone/blind-transfer.yaml", testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-blind-transfer"), std::string::npos) << o.out;
  EXPECT_TRUE(has(events(report()), "CALL_CLOSED")) << o.out;
}

TEST_F(Baresip, PhoneAsTheTransfereeCallsCByItself) {
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  Output o = run("phone/transferee.yaml", testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: phone-transferee"), std::string::npos) << o.out;
  // baresip says it was asked to transfer, then calls C: no command caused that call.
  auto ev = events(report());
  EXPECT_TRUE(has(ev, "TRANSFER")) << o.out;
}

TEST_F(Baresip, PhoneThatIgnoresItsCommandFailsAtThatStepAndSaysWhich) {
  // A "phone" whose ctrl_tcp accepts (the kernel completes the handshake of a listening socket)
  // and never answers: the dial goes out, no INVITE comes.
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  std::string deaf = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  auto start = std::chrono::steady_clock::now();
  Output o = run("basic/successful-call.yaml", testbed(deaf), " --step-timeout 2");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(fd);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("A (baresip): dial sip:bob@example.test sent at 0."), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find(" s; no F1 (INVITE A -> P) within 2s"), std::string::npos) << o.out;
  EXPECT_LT(took, 10.0) << o.out;
}

TEST_F(Baresip, PhoneThatCannotBeReachedEndsTheRunWithExit3AndNamesIt) {
  ASSERT_NO_FATAL_FAILURE(start_phone("A"));
  auto port = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
  ASSERT_TRUE(port);
  std::string nobody = "127.0.0.1:" + std::to_string(*port);
  Output o = run("basic/successful-call.yaml", testbed(nobody));
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("A (baresip at " + nobody +
                       "): Connection refused; is baresip running with ctrl_tcp on that address?"),
            std::string::npos)
      << o.out;
}

// The library with baresip as the phone (issue 11): every flow baresip 1.0 can do as a phone,
// listed in scenarios/baresip-runs.txt with the role it plays, run unchanged through the
// baresip driver against Kamailio with 4 workers (the ladder's switches from
// scenarios/kamailio-runs.txt), the harness playing the other users.
struct PhoneRun {
  std::string ladder;
  std::string role;
  std::string answermode = "manual";
};

void PrintTo(const PhoneRun& r, std::ostream* os) { *os << r.ladder << " " << r.role; }

std::vector<PhoneRun> phone_runs() {
  std::vector<PhoneRun> out;
  std::ifstream in(kScenarios / "baresip-runs.txt");
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream words(line);
    PhoneRun r;
    if (!(words >> r.ladder >> r.role)) continue;
    std::string w;
    while (words >> w) {
      if (w.starts_with("answermode=")) r.answermode = w.substr(11);
    }
    out.push_back(std::move(r));
  }
  return out;
}

/// The Kamailio switches of a ladder's line in scenarios/kamailio-runs.txt (-A DEFINE only).
std::vector<std::string> kamailio_defines(const std::string& ladder) {
  std::ifstream in(kScenarios / "kamailio-runs.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line.substr(0, line.find('#')));
    std::string name, w;
    if (!(words >> name) || name != ladder) continue;
    std::vector<std::string> out;
    while (words >> w) {
      if (w == "-A" && (words >> w)) out.push_back(w);
    }
    return out;
  }
  return {};
}

class BaresipLibrary : public Baresip, public ::testing::WithParamInterface<PhoneRun> {
 protected:
  ladder::testing::KamailioOptions kamailio_options() override {
    ladder::testing::KamailioOptions ko = Baresip::kamailio_options();
    ko.children = 4;
    ko.defines = kamailio_defines(GetParam().ladder);
    // A proxy that challenges (WITH_AUTH, WITH_INVITE_AUTH): one password for every user.
    for (const std::string& d : ko.defines) {
      if (d.starts_with("WITH_") && d.ends_with("AUTH")) password_ = "baresip-library-secret";
    }
    ko.substdef.emplace("AUTH_REALM", "example.test");
    ko.substdef.emplace("AUTH_PASSWORD", password_.empty() ? "unused" : password_);
    return ko;
  }
};

TEST_P(BaresipLibrary, PassesWithBaresipAsThePhone) {
  const PhoneRun& r = GetParam();
  ASSERT_NO_FATAL_FAILURE(start_phone(r.role, r.answermode));
  Output o = run(r.ladder, testbed());
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: "), std::string::npos) << o.out;
}

INSTANTIATE_TEST_SUITE_P(Library, BaresipLibrary, ::testing::ValuesIn(phone_runs()),
                         [](const auto& info) {
                           std::string n = info.param.ladder.substr(0, info.param.ladder.rfind('.')) +
                                           "_" + info.param.role;
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

}  // namespace
