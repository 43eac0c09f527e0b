// Integration: bench mode as a user meets it, through the real `ladder` binary: testbeds that
// start their own parts (testbeds/local.yaml, the quick start of README.md), a part that never
// gets ready, a phone stopped by PID when the run fails, the prompt driver on a real
// pseudo-terminal with the test as the operator commanding baresip over its ctrl_tcp, and
// `csta` refused plainly.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

#include "cli/cli_test.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;
using Clock = std::chrono::steady_clock;

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

bool installed(const char* path) { return ::access(path, X_OK) == 0; }

// The exit status of `pid`, waiting up to `seconds` after it closed its terminal; on the
// deadline it gets SIGINT (Ctrl-C, which stops its parts too) and -1 is returned.
int finish(pid_t pid, int seconds) {
  auto end = Clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (Clock::now() < end) {
    if (::waitpid(pid, &status, WNOHANG) == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 20);  // exit poll, bounded by the deadline
  }
  ::kill(pid, SIGINT);
  ::waitpid(pid, &status, 0);
  return -1;
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

class Bench : public ladder::testing::TempDirTest {
 protected:
  void need_root() {
    if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
  }
  void need(const char* path) {
    if (!installed(path)) GTEST_SKIP() << path << " is not installed (scripts/setup)";
  }
};

// README.md's quick start, exactly: from the source folder, after the set-up command.
TEST_F(Bench, QuickStartRunsTheSeedLadderAgainstTheLocalTestbed) {
  need_root();
  need("/usr/sbin/kamailio");
  fs::path reports = kSource / "reports";
  std::set<fs::path> before;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(reports, ec)) before.insert(e.path());
  std::string line = "build/harness/cli/ladder run scenarios/transfer/unattended-transfer.yaml "
                     "--testbed testbeds/local.yaml";
  // The binary under test stands in for build/harness/cli/ladder (the build dir may differ).
  std::string command = line;
  command.replace(0, std::string("build/harness/cli/ladder").size(), kLadder);
  Output o = run_command("cd " + quote(kSource) + " && " + command + " 2>&1", 90);
  std::vector<fs::path> made;
  for (const auto& e : fs::directory_iterator(reports, ec)) {
    if (!before.count(e.path())) made.push_back(e.path());
  }
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: transfer-unattended"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("note: role P: kamailio started (pid "), std::string::npos) << o.out;
  ASSERT_EQ(made.size(), 1u) << o.out;
  auto j = nlohmann::json::parse(read_file(made[0] / "report.json"));
  EXPECT_EQ(j["passed"], true);
  EXPECT_NE(read_file(made[0] / "P-kamailio.log").find("INFO"), std::string::npos);
  EXPECT_TRUE(fs::exists(made[0] / "capture.pcap"));
  if (!HasFailure()) fs::remove_all(made[0], ec);
}

TEST_F(Bench, AProxyThatCannotStartIsAnEnvironmentError) {
  need("/usr/sbin/kamailio");
  write("broken.cfg", "#!KAMAILIO\nloadmodule \"no_such_module.so\"\nrequest_route { exit; }\n");
  fs::path tb = write("tb.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, user: alice, domain: example.test}\n"
                      "  B: {played_by: harness, user: bob, domain: example.test}\n"
                      "  P: {dut: 127.0.0.1:0, kind: proxy, start: {kind: kamailio, config: "
                      "broken.cfg, within: 5s}}\n");
  Output o = run_command(kLadder + " run " + quote(kSource / "scenarios/basic/busy.yaml") +
                         " --testbed " + quote(tb) + " --out " + quote(dir_ / "out") + " 2>&1");
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("tb.yaml: role P (kamailio): exited during start (exit status"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("command: kamailio -f " + (dir_ / "broken.cfg").string()),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("log: " + (dir_ / "out" / "P-kamailio.log").string()), std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("no_such_module"), std::string::npos) << "the last log lines:\n" << o.out;
}

TEST_F(Bench, StartedPhoneAndProxyAreStoppedByPidWhenTheRunFails) {
  need_root();
  need("/usr/sbin/kamailio");
  need("/usr/bin/baresip");
  // A ladder that fails whatever drives A: the proxy never sends B a MESSAGE.
  fs::path ladder = write("never.yaml",
                          "name: never\nroles: [A, B, P]\nsteps:\n"
                          "  - {id: F1, from: P, to: B, request: MESSAGE}\n");
  Output o = run_command(kLadder + " run " + quote(ladder) + " --testbed " +
                             quote(kSource / "testbeds/local-phone.yaml") +
                             " --step-timeout 1 --out " + quote(dir_ / "out") + " 2>&1",
                         60);
  EXPECT_EQ(o.status, 1) << o.out;
  std::smatch m;
  std::regex started("role (\\w): (\\w+) started \\(pid (\\d+)\\)");
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(o.out.begin(), o.out.end(), started);
       it != std::sregex_iterator(); ++it) {
    seen.insert((*it)[1].str() + "=" + (*it)[2].str());
    pid_t pid = std::stoi((*it)[3].str());
    EXPECT_TRUE(gone(pid)) << (*it)[0].str() << " is still running after the run";
  }
  EXPECT_EQ(seen, (std::set<std::string>{"A=baresip", "P=kamailio"})) << o.out;
  // Ready meant registered: baresip's log in the run directory has the 200 to its REGISTER.
  EXPECT_NE(read_file(dir_ / "out" / "A-baresip.log").find("alice@example.test: {0/UDP/v4} 200 OK"),
            std::string::npos)
      << read_file(dir_ / "out" / "A-baresip.log");
}

TEST_F(Bench, CstaIsNotSupportedYetAndSaysSo) {
  fs::path tb = write("tb.yaml",
                      "roles:\n"
                      "  A: {dut: 127.0.0.1:5999, user: alice, driver: {kind: csta}}\n"
                      "  B: {played_by: harness, user: bob}\n");
  Output o = run_command(kLadder + " run " + quote(kSource / "scenarios/basic/direct-call.yaml") +
                         " --testbed " + quote(tb) + " --no-capture --out " +
                         quote(dir_ / "out") + " 2>&1");
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("A: driver 'csta' (uaCSTA over SIP) is not supported yet; use baresip, "
                       "action-uri or prompt"),
            std::string::npos)
      << o.out;
}

TEST_F(Bench, PromptWithoutATerminalStopsBeforeTheRun) {
  fs::path tb = write("tb.yaml",
                      "roles:\n"
                      "  A: {dut: 127.0.0.1:0, user: alice, driver: {kind: prompt}, "
                      "start: {command: [sh, -c, 'touch started'], ready: none}}\n"
                      "  B: {played_by: harness, user: bob}\n");
  Output o = run_command("cd " + quote(dir_) + " && " + kLadder + " run " +
                         quote(kSource / "scenarios/basic/direct-call.yaml") + " --testbed " +
                         quote(tb) + " --no-capture --out out < /dev/null 2>&1");
  EXPECT_EQ(o.status, 3) << o.out;
  EXPECT_NE(o.out.find("role A asks the operator at the terminal (driver prompt), but standard "
                       "input is not a terminal"),
            std::string::npos)
      << o.out;
  EXPECT_FALSE(fs::exists(dir_ / "started")) << "a part was started before the check";
}

// --- The prompt driver on a pseudo-terminal, the test as the operator ---------------------

// The operator's hands on the phone: one ctrl_tcp connection to baresip, netstring JSON.
class BaresipControl {
 public:
  explicit BaresipControl(const std::string& host_port) {
    auto colon = host_port.rfind(':');
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(std::stoi(host_port.substr(colon + 1))));
    ::inet_pton(AF_INET, host_port.substr(0, colon).c_str(), &a.sin_addr);
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~BaresipControl() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  /// Sends a command and waits (bounded) for its response; true when baresip said ok.
  bool command(const std::string& name, const std::string& params = "") {
    std::string token = "t" + std::to_string(++tokens_);
    nlohmann::json j{{"command", name}, {"token", token}};
    if (!params.empty()) j["params"] = params;
    std::string body = j.dump();
    std::string frame = std::to_string(body.size()) + ":" + body + ",";
    if (::send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL) < 0) return false;
    auto end = Clock::now() + std::chrono::seconds(3);
    while (Clock::now() < end) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      char buf[4096];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return false;
      got_.append(buf, static_cast<std::size_t>(n));
      auto at = got_.find("\"token\":\"" + token + "\"");
      if (at != std::string::npos) {
        auto start = got_.rfind("{\"response\"", at);
        return start != std::string::npos &&
               got_.substr(start, at - start).find("\"ok\":true") != std::string::npos;
      }
    }
    return false;
  }

 private:
  int fd_ = -1;
  int tokens_ = 0;
  std::string got_;
};

TEST_F(Bench, PromptDriverOnATerminalWithTheOperatorCommandingBaresip) {
  need_root();
  need("/usr/bin/baresip");
  // A is a phone nothing can drive but its operator: baresip here, commanded by this test as
  // the operator would press its keys, once the prompt asks.
  fs::path tb = write("tb.yaml",
                      "roles:\n"
                      "  A: {dut: 127.0.0.1:0, user: alice, driver: {kind: prompt}, "
                      "start: {kind: baresip}}\n"
                      "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob}\n"
                      "capture: {interface: lo, linger: 200ms}\n");
  std::string ladder = kLadder;
  std::string scenario = (kSource / "scenarios/basic/direct-call.yaml").string();
  std::string tbs = tb.string();
  std::string out = (dir_ / "out").string();
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0) << std::strerror(errno);
  if (pid == 0) {
    ::execl(ladder.c_str(), ladder.c_str(), "run", scenario.c_str(), "--testbed", tbs.c_str(),
            "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string screen;
  std::optional<BaresipControl> phone;
  bool dialled = false, hung_up = false;
  std::string problem;
  auto end = Clock::now() + std::chrono::seconds(40);
  while (Clock::now() < end) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) {
      char buf[4096];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO: the child closed the terminal
      screen.append(buf, static_cast<std::size_t>(n));
    }
    std::smatch m;
    if (!phone && std::regex_search(screen, m, std::regex("control (127\\.0\\.0\\.1:\\d+);"))) {
      phone.emplace(m[1].str());
      if (!phone->ok()) problem = "cannot connect to baresip's ctrl_tcp at " + m[1].str();
    }
    if (phone && !dialled &&
        std::regex_search(screen, m,
                          std::regex("A: call (sip:bob@[^ ]+) now \\(F1: INVITE A -> B\\); "
                                     "Enter when done, s to skip"))) {
      dialled = true;
      if (!phone->command("dial", m[1].str())) problem = "baresip refused dial " + m[1].str();
      ASSERT_EQ(::write(master, "\n", 1), 1);
    }
    if (phone && dialled && !hung_up &&
        screen.find("A: hang up now (F5: BYE A -> B); Enter when done, s to skip") !=
            std::string::npos) {
      hung_up = true;
      if (!phone->command("hangup")) problem = "baresip refused hangup";
      ASSERT_EQ(::write(master, "\n", 1), 1);
    }
  }
  int status = finish(pid, 10);
  ::close(master);
  EXPECT_EQ(problem, "");
  EXPECT_TRUE(dialled && hung_up) << screen;
  EXPECT_EQ(status, 0) << screen;
  EXPECT_NE(screen.find("PASSED: basic-direct-call"), std::string::npos) << screen;
}

TEST_F(Bench, PromptSkipStopsTheRunAtThatStep) {
  need_root();
  need("/usr/bin/baresip");
  fs::path tb = write("tb.yaml",
                      "roles:\n"
                      "  A: {dut: 127.0.0.1:0, user: alice, driver: {kind: prompt}, "
                      "start: {kind: baresip}}\n"
                      "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob}\n"
                      "capture: {interface: lo, linger: 100ms}\n");
  std::string ladder = kLadder;
  std::string scenario = (kSource / "scenarios/basic/direct-call.yaml").string();
  std::string tbs = tb.string();
  std::string out = (dir_ / "out").string();
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(ladder.c_str(), ladder.c_str(), "run", scenario.c_str(), "--testbed", tbs.c_str(),
            "--out", out.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string screen;
  bool skipped = false;
  auto asked = Clock::time_point{};
  auto end = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < end) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) {
      char buf[4096];
      ssize_t n = ::read(master, buf, sizeof buf);
      if (n <= 0) break;
      screen.append(buf, static_cast<std::size_t>(n));
    }
    if (!skipped && screen.find("Enter when done, s to skip") != std::string::npos) {
      skipped = true;
      asked = Clock::now();
      ASSERT_EQ(::write(master, "s\n", 2), 2);
    }
  }
  int status = finish(pid, 10);
  ::close(master);
  ASSERT_TRUE(skipped) << screen;
  EXPECT_EQ(status, 1) << screen;
  EXPECT_NE(screen.find("A (prompt): the operator skipped F1: INVITE A -> B (call sip:bob@"),
            std::string::npos)
      << screen;
  // Skipping stops the run there and then, not at the step's deadline (5 s).
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - asked).count(), 4.0) << screen;
}

}  // namespace
