// Integration, issue 12: exit codes that say whose fault it is, and no Sofia noise on the
// terminal. A DUT that is not listening (a free port nothing is bound to: ICMP port unreachable
// over UDP, a refused connection over TCP) is exit 3 naming it; a ladder needing a role attribute
// nobody gave reads it back from the capture where the ladder pins it, else exit 2 naming how to
// give it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

#include "cli/cli_test.h"
#include "engine/testing/kamailio_process.h"

namespace {

using namespace ladder::cli::testing;

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class ExitCodes : public ladder::testing::TempDirTest {
 protected:
  // A testbed whose proxy is a loopback port nothing listens on.
  std::string silent_dut(const std::string& transport, bool reg, std::uint16_t* port) {
    auto p = ladder::testing::free_port(*ladder::core::Address::parse("127.0.0.1"));
    EXPECT_TRUE(p);
    *port = p ? *p : 1;
    std::string t = ", transport: " + transport + (reg ? ", register: true" : "");
    return write("tb-" + transport + ".yaml",
                 "roles:\n"
                 "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: x.test" + t +
                     "}\n"
                 "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: x.test" + t +
                     "}\n"
                 "  P: {dut: 127.0.0.1:" + std::to_string(*port) +
                     ", domain: x.test, kind: proxy}\n"
                 "capture: {interface: lo, linger: 100ms}\n")
        .string();
  }
  Output run(const std::string& testbed, const fs::path& out) {
    // Without root there is no live capture; the engine's own view is enough here.
    std::string no_capture = ::geteuid() == 0 ? "" : " --no-capture";
    return run_command(kLadder + " run '" +
                           (kSource / "scenarios" / "basic" / "successful-call.yaml").string() +
                           "' --testbed '" + testbed + "' --step-timeout 1 --out '" +
                           out.string() + "'" + no_capture + " 2>&1",
                       30);
  }
  void expect_not_listening(const std::string& transport, bool reg) {
    std::uint16_t port = 0;
    std::string tb = silent_dut(transport, reg, &port);
    fs::path out = dir_ / ("out-" + transport);
    Output o = run(tb, out);
    EXPECT_EQ(o.status, 3) << o.out;
    EXPECT_EQ(o.out, "ladder run: basic-successful-call: P at 127.0.0.1:" + std::to_string(port) +
                         " is not listening (connection refused)\n");
    // Sofia's own lines went to the run directory, not to the terminal.
    std::string log = read(out / "sofia.log");
    EXPECT_NE(log.find("Connection refused"), std::string::npos) << log;
  }
};

TEST_F(ExitCodes, DutNotListeningOnUdpIsAnEnvironmentError) { expect_not_listening("udp", true); }

TEST_F(ExitCodes, DutRefusingTcpIsAnEnvironmentError) { expect_not_listening("tcp", true); }

TEST_F(ExitCodes, DutNotListeningForTheFirstInviteIsAnEnvironmentError) {
  expect_not_listening("udp", false);  // no registration: the INVITE is the first message
}

// caller-hangs-up.yaml with F1 pinning B's user in its Request-URI, the way `check` is used on
// a capture from a bench where the testbed is not at hand.
std::string pinning_ladder(const std::string& f1_extra) {
  std::string text = read(kSource / "scenarios" / "basic" / "caller-hangs-up.yaml");
  const std::string anchor = "    request: INVITE\n    dialog: call\n";
  std::size_t at = text.find(anchor);
  if (at == std::string::npos) return "";
  return text.insert(at + anchor.size(), f1_extra);
}

TEST_F(ExitCodes, RoleAttributeIsReadFromTheCaptureWhereTheLadderPinsIt) {
  std::string ladder = pinning_ladder("    uri: {user: '${B.user}'}\n");
  ASSERT_FALSE(ladder.empty());
  fs::path f = write("pinned.yaml", ladder);
  Output o = run_command(kLadder + " check '" +
                         (kSource / "captures" / "sipp-kamailio-udp.pcap").string() + "' -s '" +
                         f.string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("Note: inferred ${B.user} = 'uas', read from F1 (Request-URI, frame 1) "
                       "where the ladder pins it"),
            std::string::npos)
      << o.out;
  // Given, it is used as given: a wrong value is the device's fault again.
  Output given = run_command(kLadder + " check '" +
                             (kSource / "captures" / "sipp-kamailio-udp.pcap").string() +
                             "' -s '" + f.string() + "' --set B.user=bob 2>&1");
  EXPECT_EQ(given.status, 1) << given.out;
}

TEST_F(ExitCodes, RoleAttributeNobodyGivesIsAnInputErrorNamingHowToGiveIt) {
  // A pattern pins nothing that can be read back.
  std::string ladder = pinning_ladder("");
  const std::string headers = "    headers:\n";
  std::size_t at = ladder.find(headers);  // F1's
  ASSERT_NE(at, std::string::npos);
  ladder.insert(at + headers.size(), "      To: {matches: '^<sip:${B.user}@'}\n");
  fs::path f = write("unpinned.yaml", ladder);
  Output v = run_command(kLadder + " validate '" + f.string() + "' 2>&1");
  ASSERT_EQ(v.status, 0) << v.out << ladder;
  Output o = run_command(kLadder + " check '" +
                         (kSource / "captures" / "sipp-kamailio-udp.pcap").string() + "' -s '" +
                         f.string() + "' 2>&1");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("needs ${B.user}"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("pass --set B.user=... or set `user:` on role B in the testbed"),
            std::string::npos)
      << o.out;
  EXPECT_EQ(o.out.find("FAILED"), std::string::npos) << o.out;
}

}  // namespace
