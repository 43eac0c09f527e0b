// Integration: parts started for real (Kamailio from testbeds/kamailio, baresip, a shell
// command) on free loopback ports, probed, and stopped by PID.
#include "parts/parts.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

#include "testing/run_command.h"

namespace ladder::parts {
namespace {

namespace fs = std::filesystem;
using ladder::testing::read_file;

bool gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

class Parts : public ladder::testing::TempDirTest {
 protected:
  scenario::Testbed load(const std::string& text) {
    fs::path p = write("testbed.yaml", text);
    auto r = scenario::load_testbed(p.string());
    std::string why;
    for (const auto& d : r.diagnostics) why += d.format() + "\n";
    EXPECT_TRUE(r.ok()) << why;
    return r.ok() ? *r.testbed : scenario::Testbed{};
  }
  StartOptions options() {
    StartOptions o;
    o.dir = (dir_ / "run").string();
    return o;
  }
  const fs::path kamailio_cfg = fs::path(LADDER_SOURCE_DIR) / "testbeds/kamailio/kamailio.cfg";
};

TEST_F(Parts, KamailioStartsOnAFreePortAnswersAndIsStoppedByPid) {
  if (::access("/usr/sbin/kamailio", X_OK) != 0) GTEST_SKIP() << "kamailio not installed";
  scenario::Testbed tb = load(
      "roles:\n"
      "  P: {dut: 127.0.0.1:0, domain: example.test, kind: proxy, start: {kind: kamailio, "
      "config: '" + kamailio_cfg.string() + "', set: {CHILDREN: '1'}}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_TRUE(bench) << bench.error();
  ASSERT_EQ(bench->parts().size(), 1u);
  const Part& p = *bench->parts()[0];
  EXPECT_NE(p.address.port, 0);
  EXPECT_TRUE(options_answered(p.address, std::chrono::seconds(2)));
  EXPECT_NE(p.command.find("--substdef '!DOMAIN!example.test!g'"), std::string::npos) << p.command;
  EXPECT_EQ(p.log, (dir_ / "run" / "P-kamailio.log").string());
  scenario::Testbed applied = bench->apply(tb);
  EXPECT_EQ(applied.find_role("P")->address, p.address);
  pid_t pid = p.process.pid();
  std::string scratch = p.scratch;
  EXPECT_TRUE(fs::exists(scratch));
  bench->stop();
  EXPECT_TRUE(gone(pid));
  EXPECT_FALSE(fs::exists(scratch));
  EXPECT_FALSE(options_answered(applied.find_role("P")->address, std::chrono::milliseconds(300)));
}

TEST_F(Parts, ACommandThatNeverGetsReadyFailsNamingEverythingAndIsKilled) {
  scenario::Testbed tb = load(
      "roles:\n"
      "  X: {external: 127.0.0.1:0, start: {command: [sh, -c, 'echo $$ > ${dir}/x.pid; echo "
      "starting on ${port}; exec sleep 30'], ready_log: listening, within: 700ms}}\n");
  auto t0 = std::chrono::steady_clock::now();
  auto bench = Bench::start(tb, options());
  auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_FALSE(bench);
  EXPECT_LT(took, std::chrono::seconds(3));
  const std::string& e = bench.error();
  EXPECT_NE(e.find("role X (command): not ready within 700ms: its log never showed 'listening'"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("command: sh -c 'echo $$ > "), std::string::npos) << e;
  EXPECT_NE(e.find("log: " + (dir_ / "run" / "X-command.log").string()), std::string::npos) << e;
  EXPECT_NE(e.find("    starting on "), std::string::npos) << e;  // the last log lines
  pid_t pid = std::stoi(read_file(dir_ / "run" / "x.pid"));
  EXPECT_TRUE(gone(pid)) << "the part was left running";
}

TEST_F(Parts, APartThatExitsDuringStartSaysHow) {
  scenario::Testbed tb = load(
      "roles:\n"
      "  X: {external: 127.0.0.1:0, start: {command: [sh, -c, 'echo bad option >&2; exit 3'], "
      "ready: udp}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_FALSE(bench);
  EXPECT_NE(bench.error().find("role X (command): exited during start (exit status 3)"),
            std::string::npos)
      << bench.error();
  EXPECT_NE(bench.error().find("    bad option"), std::string::npos) << bench.error();
}

TEST_F(Parts, AMissingProgramIsNamed) {
  scenario::Testbed tb = load(
      "roles:\n"
      "  X: {external: 127.0.0.1:0, start: {command: [no-such-ladder-part], ready: none}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_FALSE(bench);
  EXPECT_NE(bench.error().find("role X (command): cannot start: 'no-such-ladder-part' not found"),
            std::string::npos)
      << bench.error();
}

TEST_F(Parts, BaresipRegistersToTheStartedKamailioAndIsStoppedByPid) {
  if (::access("/usr/sbin/kamailio", X_OK) != 0 || ::access("/usr/bin/baresip", X_OK) != 0) {
    GTEST_SKIP() << "kamailio or baresip not installed";
  }
  scenario::Testbed tb = load(
      "roles:\n"
      "  A: {dut: 127.0.0.1:0, user: alice, domain: example.test, start: {kind: baresip}, "
      "driver: {kind: baresip}}\n"
      "  P: {dut: 127.0.0.1:0, domain: example.test, kind: proxy, start: {kind: kamailio, "
      "config: '" + kamailio_cfg.string() + "', set: {CHILDREN: '1'}}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_TRUE(bench) << bench.error();
  ASSERT_EQ(bench->parts().size(), 2u);
  // The proxy first: the phone registers to it.
  EXPECT_EQ(bench->parts()[0]->role, "P");
  const Part& a = *bench->parts()[1];
  ASSERT_TRUE(a.control);
  // Ready means registered: baresip's log has the 200 to alice's REGISTER.
  EXPECT_NE(read_file(a.log).find("alice@example.test: {0/UDP/v4} 200 OK"), std::string::npos)
      << read_file(a.log);
  std::string config = read_file(dir_ / "run" / "A-baresip" / "config");
  EXPECT_NE(config.find("ctrl_tcp_listen " + a.control->to_string()), std::string::npos) << config;
  EXPECT_EQ(config.find("0.0.0.0"), std::string::npos) << config;
  std::string accounts = read_file(dir_ / "run" / "A-baresip" / "accounts");
  EXPECT_NE(accounts.find("<sip:alice@example.test>;outbound=\"sip:" +
                          bench->parts()[0]->address.to_string() + "\""),
            std::string::npos)
      << accounts;
  scenario::Testbed applied = bench->apply(tb);
  EXPECT_EQ(applied.find_role("A")->driver->options.at("control"), a.control->to_string());
  EXPECT_EQ(applied.find_role("A")->address, a.address);
  pid_t pid = a.process.pid();
  pid_t kam = bench->parts()[0]->process.pid();
  bench->stop();
  EXPECT_TRUE(gone(pid));
  EXPECT_TRUE(gone(kam));
}

TEST_F(Parts, BaresipConfigDirOfYourOwnGetsThisRunsAddressesAndNeverAnyAddress) {
  if (::access("/usr/bin/baresip", X_OK) != 0) GTEST_SKIP() << "baresip not installed";
  // A config dir as a user would keep it: fixed ports, 0.0.0.0, a direct account.
  fs::create_directories(dir_ / "phone");
  std::ofstream(dir_ / "phone" / "config")
      << "sip_listen\t0.0.0.0:5060\nctrl_tcp_listen 0.0.0.0:4444\naudio_player alsa,null\n"
         "audio_source alsa,null\naudio_alert alsa,null\nmodule g711.so\nmodule alsa.so\n"
         "module_tmp account.so\nmodule_app menu.so\nmodule_app ctrl_tcp.so\n";
  std::ofstream(dir_ / "phone" / "accounts") << "<sip:bob@127.0.0.1>;regint=0;answermode=auto\n";
  scenario::Testbed tb = load(
      "roles:\n"
      "  A: {dut: 127.0.0.1:0, user: bob, start: {kind: baresip, config: phone, within: 5s}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_TRUE(bench) << bench.error();
  const Part& a = *bench->parts()[0];
  std::string config = read_file(dir_ / "run" / "A-baresip" / "config");
  EXPECT_EQ(config.find("0.0.0.0"), std::string::npos) << config;
  EXPECT_NE(config.find("sip_listen " + a.address.to_string()), std::string::npos) << config;
  EXPECT_NE(config.find("module_app menu.so"), std::string::npos) << config;
  EXPECT_EQ(read_file(dir_ / "run" / "A-baresip" / "accounts"),
            "<sip:bob@127.0.0.1>;regint=0;answermode=auto\n");
  EXPECT_TRUE(tcp_accepts(*a.control, std::chrono::seconds(1)));
  // The user's own folder is left as it was.
  EXPECT_NE(read_file(dir_ / "phone" / "config").find("0.0.0.0:4444"), std::string::npos);
}

TEST_F(Parts, BaresipTemplatesGetThisRunsPortsFilledIn) {
  if (::access("/usr/bin/baresip", X_OK) != 0) GTEST_SKIP() << "baresip not installed";
  fs::create_directories(dir_ / "tmpl");
  std::ofstream(dir_ / "tmpl" / "config.in")
      << "sip_listen @SIP_ADDR@:@SIP_PORT@\nctrl_tcp_listen @CTRL_ADDR@:@CTRL_PORT@\n"
         "dns_server 127.0.0.1:@DNS_PORT@\nrtp_ports @RTP_MIN@-@RTP_MAX@\n"
         "audio_player alsa,null\naudio_source alsa,null\naudio_alert alsa,null\n"
         "module g711.so\nmodule alsa.so\nmodule_tmp account.so\nmodule_app menu.so\n"
         "module_app ctrl_tcp.so\n";
  std::ofstream(dir_ / "tmpl" / "accounts.in")
      << "<sip:@USER@@@SIP_ADDR@:@SIP_PORT@>;regint=0;answermode=manual\n";
  scenario::Testbed tb = load(
      "roles:\n"
      "  A: {dut: 127.0.0.1:0, user: carol, start: {kind: baresip, config: tmpl, within: 5s}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_TRUE(bench) << bench.error();
  const Part& a = *bench->parts()[0];
  std::string config = read_file(dir_ / "run" / "A-baresip" / "config");
  EXPECT_EQ(config.find('@'), std::string::npos) << config;
  EXPECT_NE(config.find("ctrl_tcp_listen " + a.control->to_string()), std::string::npos) << config;
  EXPECT_NE(config.find("rtp_ports "), std::string::npos) << config;
  EXPECT_EQ(read_file(dir_ / "run" / "A-baresip" / "accounts"),
            "<sip:carol@" + a.address.to_string() + ">;regint=0;answermode=manual\n");
  EXPECT_TRUE(tcp_accepts(*a.control, std::chrono::seconds(1)));
}

TEST_F(Parts, APortTakenBetweenChoiceAndBindStartsAgainOnFreshPorts) {
  // First start: the part finds its port taken (as when another program grabs it in between);
  // second: it comes up. A fixed port would not be retried.
  scenario::Testbed tb = load(
      "roles:\n"
      "  X: {external: 127.0.0.1:0, start: {command: [sh, -c, 'if [ -e ${dir}/tried ]; then echo "
      "up on ${port}; exec sleep 30; fi; touch ${dir}/tried; echo bind ${port}: Address already "
      "in use; exit 1'], ready_log: up on, within: 5s}}\n"
      "  Y: {external: 127.0.0.1:9, start: {command: [sh, -c, 'echo Address already in use; exit "
      "1'], ready_log: never, within: 5s}}\n");
  scenario::Testbed only_x = tb;
  only_x.roles.pop_back();
  auto bench = Bench::start(only_x, options());
  ASSERT_TRUE(bench) << bench.error();
  EXPECT_NE(read_file(bench->parts()[0]->log).find("up on"), std::string::npos);
  scenario::Testbed only_y = tb;
  only_y.roles.erase(only_y.roles.begin());
  auto fixed = Bench::start(only_y, options());
  ASSERT_FALSE(fixed);
  EXPECT_NE(fixed.error().find("role Y (command): exited during start (exit status 1)"),
            std::string::npos)
      << fixed.error();
}

TEST_F(Parts, SippStartsWithItsScenarioOnFreePortsAndIsStoppedByPid) {
  if (::access("/usr/bin/sipp", X_OK) != 0) GTEST_SKIP() << "sipp not installed";
  fs::path uas = fs::path(LADDER_SOURCE_DIR) / "testbeds/sipp/uas.xml";
  scenario::Testbed tb = load(
      "roles:\n"
      "  C: {external: 127.0.0.1:0, user: carol, start: {kind: sipp, scenario: '" + uas.string() +
      "', args: [-m, '1'], within: 5s}}\n");
  auto bench = Bench::start(tb, options());
  ASSERT_TRUE(bench) << bench.error();
  const Part& c = *bench->parts()[0];
  EXPECT_TRUE(udp_taken(c.address));
  EXPECT_NE(c.command.find("-p " + std::to_string(c.address.port) + " -cp "), std::string::npos)
      << c.command;
  EXPECT_NE(c.command.find(" -s carol -m 1"), std::string::npos) << c.command;
  pid_t pid = c.process.pid();
  bench->stop();
  EXPECT_TRUE(gone(pid));
}

}  // namespace
}  // namespace ladder::parts
