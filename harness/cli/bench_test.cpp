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
#include <functional>
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

// `ladder ARGS...` on a pseudo-terminal of its own, as a person at a terminal runs it.
class OnTerminal {
 public:
  explicit OnTerminal(const std::vector<std::string>& args) {
    std::vector<std::string> argv{kLadder};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (std::string& a : argv) cargs.push_back(a.data());
    cargs.push_back(nullptr);
    pid_ = ::forkpty(&master_, nullptr, nullptr, nullptr);
    if (pid_ == 0) {
      ::execv(cargs[0], cargs.data());
      ::_exit(127);
    }
  }
  ~OnTerminal() {
    if (pid_ > 0) finish(1);
    if (master_ >= 0) ::close(master_);
  }
  bool started() const { return pid_ > 0; }
  /// Reads what ladder writes until `done(screen)` holds, it closes the terminal, or `seconds`
  /// pass; returns done(screen).
  bool read_until(const std::function<bool(const std::string&)>& done, int seconds) {
    auto end = Clock::now() + std::chrono::seconds(seconds);
    while (!done(screen) && !closed_ && Clock::now() < end) {
      pollfd p{master_, POLLIN, 0};
      if (::poll(&p, 1, 50) != 1) continue;
      char buf[4096];
      ssize_t n = ::read(master_, buf, sizeof buf);
      if (n <= 0) {
        closed_ = true;  // EIO: ladder closed the terminal
      } else {
        screen.append(buf, static_cast<std::size_t>(n));
      }
    }
    return done(screen);
  }
  bool shows(const std::string& text, int seconds) {
    return read_until([&](const std::string& s) { return s.find(text) != std::string::npos; },
                      seconds);
  }
  void type(const std::string& keys) {
    EXPECT_EQ(::write(master_, keys.data(), keys.size()), static_cast<ssize_t>(keys.size()));
  }
  void interrupt() { ::kill(pid_, SIGINT); }
  /// Its exit status once it has ended (reading the rest of its output), or -1 when it had not
  /// ended within `seconds` (it then gets Ctrl-C, which stops its parts too).
  int finish(int seconds) {
    read_until([](const std::string&) { return false; }, seconds);
    auto end = Clock::now() + std::chrono::seconds(seconds);
    int status = 0;
    while (pid_ > 0 && Clock::now() < end) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      pollfd none{-1, 0, 0};
      ::poll(&none, 0, 20);  // exit poll, bounded by the deadline
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGINT);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    return -1;
  }
  std::string screen;

 private:
  pid_t pid_ = -1;
  int master_ = -1;
  bool closed_ = false;
};

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
                          "name: never\nroles: [A, B, P: proxy]\nsteps:\n"
                          "  - {id: F1, from: P, to: B, request: MESSAGE}\n");
  Output o = run_command(kLadder + " run " + quote(ladder) + " --testbed " +
                             quote(kSource / "testbeds/local-phone.yaml") +
                             " --step-timeout 1 --out " + quote(dir_ / "out") + " 2>&1",
                         60);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("engine: B never received F1 (MESSAGE P -> B) within 1s"), std::string::npos)
      << o.out;
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
  OnTerminal ladder({"run", (kSource / "scenarios/basic/direct-call.yaml").string(), "--testbed",
                     tb.string(), "--out", (dir_ / "out").string()});
  ASSERT_TRUE(ladder.started());
  std::smatch m;
  auto control = std::regex("role A: baresip started \\(pid \\d+\\) on [0-9.:]+, control "
                            "(127\\.0\\.0\\.1:\\d+);");
  ASSERT_TRUE(ladder.read_until(
      [&](const std::string& s) { return std::regex_search(s, m, control); }, 20))
      << ladder.screen;
  BaresipControl phone(m[1].str());
  ASSERT_TRUE(phone.ok()) << "cannot connect to baresip's ctrl_tcp at " << m[1].str();
  auto dial = std::regex("A: call (sip:bob@127\\.0\\.0\\.1:\\d+) now \\(F1: INVITE A -> B\\); "
                         "Enter when done, s to skip");
  ASSERT_TRUE(ladder.read_until(
      [&](const std::string& s) { return std::regex_search(s, m, dial); }, 20))
      << ladder.screen;
  EXPECT_TRUE(phone.command("dial", m[1].str())) << "baresip refused dial " << m[1].str();
  ladder.type("\n");
  ASSERT_TRUE(ladder.shows("A: hang up now (F5: BYE A -> B); Enter when done, s to skip", 20))
      << ladder.screen;
  EXPECT_TRUE(phone.command("hangup")) << "baresip refused hangup";
  ladder.type("\n");
  EXPECT_EQ(ladder.finish(20), 0) << ladder.screen;
  EXPECT_NE(ladder.screen.find("PASSED: basic-direct-call"), std::string::npos) << ladder.screen;
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
  OnTerminal ladder({"run", (kSource / "scenarios/basic/direct-call.yaml").string(), "--testbed",
                     tb.string(), "--out", (dir_ / "out").string()});
  ASSERT_TRUE(ladder.shows("Enter when done, s to skip", 20)) << ladder.screen;
  auto asked = Clock::now();
  ladder.type("s\n");
  EXPECT_EQ(ladder.finish(20), 1) << ladder.screen;
  EXPECT_NE(ladder.screen.find("A (prompt): the operator skipped F1: INVITE A -> B (call sip:bob@"),
            std::string::npos)
      << ladder.screen;
  // Skipping stops the run there and then, not at the step's deadline (5 s).
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - asked).count(), 4.0) << ladder.screen;
}

TEST_F(Bench, CtrlCStopsTheRunAndItsPartsByPid) {
  need_root();
  need("/usr/sbin/kamailio");
  need("/usr/bin/baresip");
  // A ladder that would wait 30 s for a MESSAGE the proxy never sends.
  fs::path ladder_file = write("never.yaml",
                               "name: never\nroles: [A, B, P: proxy]\nsteps:\n"
                               "  - {id: F1, from: P, to: B, request: MESSAGE}\n");
  OnTerminal ladder({"run", ladder_file.string(), "--testbed",
                     (kSource / "testbeds/local-phone.yaml").string(), "--step-timeout", "30",
                     "--out", (dir_ / "out").string()});
  std::smatch m;
  auto phone = std::regex("role A: baresip started \\(pid (\\d+)\\)");
  ASSERT_TRUE(ladder.read_until(
      [&](const std::string& s) { return std::regex_search(s, m, phone); }, 20))
      << ladder.screen;
  pid_t baresip = std::stoi(m[1].str());
  auto kamailio = std::regex("role P: kamailio started \\(pid (\\d+)\\)");
  ASSERT_TRUE(std::regex_search(ladder.screen, m, kamailio)) << ladder.screen;
  pid_t proxy = std::stoi(m[1].str());
  ladder.interrupt();
  auto t0 = Clock::now();
  EXPECT_EQ(ladder.finish(15), 1) << ladder.screen;
  // Each part exits on SIGTERM (the phone first, while its proxy still answers its
  // un-REGISTER): no 5 s wait for SIGKILL.
  EXPECT_LT(std::chrono::duration<double>(Clock::now() - t0).count(), 4.0);
  EXPECT_NE(ladder.screen.find("interrupted (Ctrl-C)"), std::string::npos) << ladder.screen;
  EXPECT_TRUE(gone(baresip)) << ladder.screen;
  EXPECT_TRUE(gone(proxy)) << ladder.screen;
}

TEST_F(Bench, CtrlCWhileAPartIsStartingStopsIt) {
  fs::path tb = write("tb.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, user: alice}\n"
                      "  B: {external: 127.0.0.1:0, user: bob, start: {command: [sh, -c, "
                      "'echo $$ > ${dir}/slow.pid; exec sleep 60'], ready_log: never, within: "
                      "30s}}\n");
  OnTerminal ladder({"run", (kSource / "scenarios/basic/direct-call.yaml").string(), "--testbed",
                     tb.string(), "--no-capture", "--out", (dir_ / "out").string()});
  auto end = Clock::now() + std::chrono::seconds(10);
  while (!fs::exists(dir_ / "out" / "slow.pid") && Clock::now() < end) {
    ladder.read_until([](const std::string&) { return false; }, 0);
    pollfd none{-1, 0, 0};
    ::poll(&none, 0, 20);  // waiting for the part to write its pid, bounded
  }
  ASSERT_TRUE(fs::exists(dir_ / "out" / "slow.pid")) << ladder.screen;
  ladder.read_until([](const std::string&) { return false; }, 1);  // the pid is written
  pid_t pid = std::stoi(read_file(dir_ / "out" / "slow.pid"));
  ladder.interrupt();
  EXPECT_EQ(ladder.finish(15), 1) << ladder.screen;
  EXPECT_NE(ladder.screen.find("role B (command): interrupted (Ctrl-C) while starting"),
            std::string::npos)
      << ladder.screen;
  EXPECT_TRUE(gone(pid)) << ladder.screen;
}

}  // namespace
