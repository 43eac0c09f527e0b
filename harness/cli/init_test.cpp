// Integration, issue 12: `ladder init CAPTURE > flow.yaml` drafts a ladder that validates,
// passes against the capture it came from, and passes against another capture of the same flow
// (another run of the same tools); it still fails a capture of a different flow.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "engine/testing/kamailio_process.h"

namespace {

using namespace ladder::cli::testing;

const fs::path kCaptures = kSource / "captures";
const fs::path kPublic = "/work/shared/captures/public";

class Init : public ladder::testing::TempDirTest {
 protected:
  // `ladder init` of `capture` into a file; the exit status and stderr in *o.
  fs::path draft(const fs::path& capture, Output* o, const std::string& extra = "") {
    fs::path out = dir_ / (capture.stem().string() + ".yaml");
    *o = run_command(kLadder + " init '" + capture.string() + "'" + extra + " > '" +
                     out.string() + "'");
    return out;
  }
  void expect_sound(const fs::path& capture) {
    SCOPED_TRACE(capture.string());
    Output o;
    fs::path f = draft(capture, &o);
    ASSERT_EQ(o.status, 0) << o.out;
    Output v = run_command(kLadder + " validate '" + f.string() + "' 2>&1");
    EXPECT_EQ(v.status, 0) << v.out;
    Output c = run_command(kLadder + " check '" + capture.string() + "' -s '" + f.string() +
                           "' 2>&1");
    EXPECT_EQ(c.status, 0) << c.out;
  }
  Output check(const fs::path& capture, const fs::path& ladder) {
    return run_command(kLadder + " check '" + capture.string() + "' -s '" + ladder.string() +
                       "' 2>&1");
  }
};

TEST_F(Init, DraftOfEachCommittedCaptureValidatesAndPassesItsOwnCapture) {
  std::vector<fs::path> captures;
  for (const char* dir : {"", "misbehave", "reorder"}) {
    for (const auto& e : fs::directory_iterator(kCaptures / dir)) {
      if (e.path().extension() == ".pcap") captures.push_back(e.path());
    }
  }
  ASSERT_GE(captures.size(), 11u);
  for (const fs::path& p : captures) expect_sound(p);
}

TEST_F(Init, DraftOfEachPublicCaptureValidatesAndPassesItsOwnCapture) {
  if (!fs::exists(kPublic)) GTEST_SKIP() << kPublic << " is absent (shared captures)";
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(kPublic)) {
    if (e.path().extension() != ".pcap" && e.path().extension() != ".pcapng") continue;
    expect_sound(e.path());
    ++n;
  }
  if (n == 0) GTEST_SKIP() << "no capture in " << kPublic;
}

TEST_F(Init, DraftNamesRolesForwardsDialogsAndLeavesNoiseOut) {
  Output o;
  fs::path f = draft(kCaptures / "sipp-kamailio-udp.pcap", &o, " 2>&1 >/dev/null");
  ASSERT_EQ(o.status, 0);
  std::ifstream in(f);
  std::stringstream s;
  s << in.rdbuf();
  const std::string y = s.str();
  EXPECT_NE(y.find("roles: [A, P: proxy, B]\n"), std::string::npos) << y;
  EXPECT_NE(y.find("dialogs: {call: new}\n"), std::string::npos) << y;
  EXPECT_NE(y.find("any_order: [[F4, F7, F9], [F8, F11]]\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  - {id: F2, from: P, to: B, request: INVITE, dialog: call, forwards: F1, "
                   "body: {content_type: application/sdp}}  # frame 3\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("  - {id: F4, from: P, to: A, response: 180, answers: F1, dialog: call, "
                   "forwards: F3}  # frame 5\n"),
            std::string::npos)
      << y;
  EXPECT_EQ(y.find("response: 100"), std::string::npos) << y;  // 100 Trying left out
  EXPECT_NE(y.find("# 1 100 Trying left out"), std::string::npos) << y;
  // Nothing per call is pinned: no tag, branch, Call-ID or port of this capture.
  for (const char* per_call : {"tag", "branch", "Call-ID", "43221", "51996", "48913"}) {
    std::size_t at = y.find("steps:");
    EXPECT_EQ(y.find(per_call, at), std::string::npos) << per_call << "\n" << y;
  }
  // Named roles, as given.
  Output named;
  fs::path g = draft(kCaptures / "sipp-kamailio-udp.pcap", &named,
                     " --role Alice=127.0.0.1:43221 --role Bob=127.0.0.1:48913");
  ASSERT_EQ(named.status, 0) << named.out;
  std::ifstream gin(g);
  std::stringstream gs;
  gs << gin.rdbuf();
  EXPECT_NE(gs.str().find("roles: [Alice, P: proxy, Bob]\n"), std::string::npos) << gs.str();
}

TEST_F(Init, DraftPassesOtherRunsOfTheSameFlowAndFailsAnotherFlow) {
  // captures/README.md: each sipp-kamailio-* file is its own run of SIPp -> Kamailio -> SIPp
  // (new ports, tags, Call-IDs, over UDP, TCP, IPv6, the any interface); the reorder/ ones are
  // runs whose multi-worker Kamailio relayed out of order, legally: the draft lists each forward
  // right after what it forwards and frees the order of what a UA does nothing on (a 180, an
  // ACK), the any_order groups scenarios/basic/caller-hangs-up.yaml has by hand.
  Output o;
  fs::path f = draft(kCaptures / "sipp-kamailio-udp.pcap", &o);
  ASSERT_EQ(o.status, 0);
  for (const char* other : {"sipp-kamailio-tcp.pcap", "sipp-kamailio-ipv6.pcap",
                            "sipp-kamailio-any.pcap", "reorder/200-before-180.pcap",
                            "reorder/bye-before-ack.pcap"}) {
    Output c = check(kCaptures / other, f);
    EXPECT_EQ(c.status, 0) << other << "\n" << c.out;
  }
  // A proxy that swallows the 180 is another flow: the draft catches it at the relayed 180.
  Output bad = check(kCaptures / "misbehave/drop-180.pcap", f);
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("F4: 180 P -> A: not seen"), std::string::npos) << bad.out;
}

TEST_F(Init, DraftOfARunPassesASecondRunThroughRealKamailio) {
  if (::geteuid() != 0) GTEST_SKIP() << "live capture needs CAP_NET_RAW: run as root";
  auto k = ladder::testing::KamailioProcess::start({.domain = "example.test"});
  ASSERT_TRUE(k) << k.error();
  // Only B registers, so the first message of every run is B's REGISTER: the same flow.
  fs::path tb = write("testbed.yaml",
                      "roles:\n"
                      "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, domain: "
                      "example.test}\n"
                      "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob, domain: "
                      "example.test, register: true}\n"
                      "  P: {dut: " + k->endpoint().to_string() +
                          ", domain: example.test, kind: proxy, record_route: true}\n"
                      "capture: {interface: lo, linger: 300ms}\n");
  auto play = [&](const std::string& name) {
    Output r = run_command(kLadder + " run '" +
                               (kSource / "scenarios" / "basic" / "successful-call.yaml").string() +
                               "' --testbed '" + tb.string() + "' --out '" + (dir_ / name).string() +
                               "' 2>&1",
                           60);
    EXPECT_EQ(r.status, 0) << r.out;
    return dir_ / name / "capture.pcap";
  };
  fs::path first = play("run1"), second = play("run2");
  Output o;
  fs::path f = draft(first, &o);
  ASSERT_EQ(o.status, 0) << o.out;
  Output v = run_command(kLadder + " validate '" + f.string() + "' 2>&1");
  EXPECT_EQ(v.status, 0) << v.out;
  Output own = check(first, f);
  EXPECT_EQ(own.status, 0) << own.out;
  Output again = check(second, f);
  EXPECT_EQ(again.status, 0) << again.out;
}

}  // namespace
