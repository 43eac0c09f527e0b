// Integration: `ladder check` on the committed captures of captures/misbehave/ (Kamailio switched
// to break one rule: each must fail at the right step with the right explanation) and
// captures/reorder/ (Kamailio's workers legally reordering: each must pass), all against
// scenarios/basic/caller-hangs-up.yaml. The captures are remade by scripts/make-captures with new
// ports, tags and times each run, so those parts are matched as patterns; the step, the header,
// the rule, the frame and the rest of every failure line are exact.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;

const fs::path kCaptures = kSource / "captures";
const fs::path kBasic = kSource / "scenarios" / "basic";

// Pieces of patterns for the parts that change with each regeneration.
const std::string kTime = R"(\d+\.\d{6})";
const std::string kPort = R"(\d{1,5})";

Output check(const fs::path& capture, const std::string& ladder = "caller-hangs-up.yaml") {
  return run_command(kLadder + " check '" + capture.string() + "' -s '" +
                     (kBasic / ladder).string() + "' 2>&1");
}

// The lines between "Failures:" and the closing Note/verdict, without their indentation.
std::vector<std::string> failure_lines(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  std::string line;
  bool on = false;
  while (std::getline(in, line)) {
    if (line == "Failures:") {
      on = true;
      continue;
    }
    if (!on) continue;
    if (line.rfind("  ", 0) != 0) break;
    lines.push_back(line.substr(2));
  }
  return lines;
}

// Each failure line must match its pattern, in order, and there must be no other failure.
void expect_failures(const std::string& out, const std::vector<std::string>& patterns) {
  std::vector<std::string> seen = failure_lines(out);
  EXPECT_EQ(seen.size(), patterns.size()) << out;
  for (std::size_t i = 0; i < patterns.size() && i < seen.size(); ++i) {
    EXPECT_TRUE(std::regex_match(seen[i], std::regex(patterns[i])))
        << "failure line " << i << ":\n  seen:    " << seen[i] << "\n  pattern: " << patterns[i]
        << "\n"
        << out;
  }
}

// Step rows of the drawn ladder: id -> (status, frame or 0 when none).
struct Row {
  std::string status;
  int frame = 0;
};
std::map<std::string, Row> rows(const std::string& out) {
  std::map<std::string, Row> r;
  static const std::regex row(
      R"(^  (F\d+)\s+(ok|FAIL|MISS|WARN|skip)\s+\|.*?(?:frame (\d+)\s.*)?$)");
  std::istringstream in(out);
  std::string line;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, row)) {
      r[m[1]] = Row{m[2], m[3].matched ? std::stoi(m[3]) : 0};
    }
  }
  return r;
}

bool contains(const std::string& out, const std::string& s) {
  return out.find(s) != std::string::npos;
}

class CaptureCases : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* f :
         {"misbehave/no-record-route.pcap", "misbehave/no-mf-decrement.pcap",
          "misbehave/drop-180.pcap", "misbehave/rewrite-from.pcap", "reorder/200-before-180.pcap",
          "reorder/bye-before-ack.pcap", "reorder/late-180-dropped.pcap"}) {
      ASSERT_TRUE(fs::exists(kCaptures / f))
          << kCaptures / f << " is missing: scripts/make-captures";
    }
  }
};

// ---- misbehaving proxy: fail at the right step, say why ----

TEST_F(CaptureCases, NoRecordRouteFailsAtTheForwardAndAtTheRouteSet) {
  Output o = check(kCaptures / "misbehave/no-record-route.pcap");
  EXPECT_EQ(o.status, 1) << o.out;
  expect_failures(
      o.out,
      {
          "F3: Record-Route: expected present, seen absent \\(frame 3 at " + kTime + "\\)",
          "F3: Record-Route: the proxy record-routes \\(forward of F1\\): expected a Record-Route "
          "added, seen none \\(frame 3 at " +
              kTime + "\\)",
          "F6: Record-Route: expected present, seen absent \\(frame 6 at " + kTime + "\\)",
          "F8: Route: expected present, seen absent \\(frame 8 at " + kTime + "\\)",
          "F10: Route: expected present, seen absent \\(frame 10 at " + kTime + "\\)",
      });
  auto r = rows(o.out);
  EXPECT_EQ(r["F3"].status, "FAIL") << o.out;
  EXPECT_EQ(r["F6"].status, "FAIL") << o.out;
  EXPECT_EQ(r["F8"].status, "FAIL") << o.out;
  EXPECT_EQ(r["F10"].status, "FAIL") << o.out;
  // what the proxy did right is still ok: the forwards of ACK and BYE, the BYE's answer
  EXPECT_EQ(r["F9"].status, "ok") << o.out;
  EXPECT_EQ(r["F11"].status, "ok") << o.out;
  EXPECT_EQ(r["F13"].status, "ok") << o.out;
  EXPECT_TRUE(
      contains(o.out, "FAILED: basic-caller-hangs-up: 9/13 steps passed, 5 failures, 0 warnings"))
      << o.out;
}

TEST_F(CaptureCases, NoMaxForwardsDecrementFailsAtEveryForwardedRequest) {
  Output o = check(kCaptures / "misbehave/no-mf-decrement.pcap");
  EXPECT_EQ(o.status, 1) << o.out;
  expect_failures(
      o.out,
      {
          // F3's own expectation (equals '69') and the forward rule both catch it
          "F3: Max-Forwards: expected '69', seen '70' \\(frame 3 at " + kTime + "\\)",
          "F3: Max-Forwards: one less \\(forward of F1\\): expected 69, seen 70 \\(frame 3 at " +
              kTime + "\\)",
          "F9: Max-Forwards: one less \\(forward of F8\\): expected 69, seen 70 \\(frame 9 at " +
              kTime + "\\)",
          "F11: Max-Forwards: one less \\(forward of F10\\): expected 69, seen 70 \\(frame 11 at " +
              kTime + "\\)",
      });
  auto r = rows(o.out);
  for (const char* ok : {"F1", "F2", "F4", "F5", "F6", "F7", "F8", "F10", "F12", "F13"}) {
    EXPECT_EQ(r[ok].status, "ok") << ok << "\n" << o.out;
  }
  EXPECT_TRUE(
      contains(o.out, "FAILED: basic-caller-hangs-up: 10/13 steps passed, 4 failures, 0 warnings"))
      << o.out;
}

TEST_F(CaptureCases, Swallowed180IsMissingAtF5) {
  Output o = check(kCaptures / "misbehave/drop-180.pcap");
  EXPECT_EQ(o.status, 1) << o.out;
  expect_failures(o.out, {"F5: 180 P -> A: not seen"});
  auto r = rows(o.out);
  EXPECT_EQ(r["F5"].status, "MISS") << o.out;
  EXPECT_EQ(r["F5"].frame, 0) << o.out;
  EXPECT_EQ(r["F4"].frame, 4) << o.out;      // B's 180 did reach the proxy
  EXPECT_EQ(r["F7"].status, "ok") << o.out;  // and the call still completed
  EXPECT_EQ(r["F13"].status, "ok") << o.out;
  EXPECT_TRUE(
      contains(o.out, "FAILED: basic-caller-hangs-up: 12/13 steps passed, 1 failure, 0 warnings"))
      << o.out;
}

TEST_F(CaptureCases, RewrittenFromFailsAtTheForwardedInvite) {
  Output o = check(kCaptures / "misbehave/rewrite-from.pcap");
  EXPECT_EQ(o.status, 1) << o.out;
  // Same tag and host:port on both sides (back-references): only the rewrite differs.
  expect_failures(
      o.out,
      {"F3: From: must be kept \\(forward of F1\\): expected '\"ladder uac\" "
       "<sip:uac@127\\.0\\.0\\.1:(" +
       kPort +
       ")>;tag=(\\w+)', seen '\"rewritten by proxy\" <sip:rewritten@127\\.0\\.0\\.1:\\1>;tag=\\2' "
       "\\(frame 3 at " +
       kTime + "\\)"});
  auto r = rows(o.out);
  EXPECT_EQ(r["F3"].status, "FAIL") << o.out;
  EXPECT_EQ(r["F3"].frame, 3) << o.out;
  EXPECT_TRUE(
      contains(o.out, "FAILED: basic-caller-hangs-up: 12/13 steps passed, 1 failure, 0 warnings"))
      << o.out;
}

// ---- legal reorderings by a 4-worker Kamailio: pass ----

TEST_F(CaptureCases, TwoHundredBefore180Passes) {
  Output o = check(kCaptures / "reorder/200-before-180.pcap");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_TRUE(
      contains(o.out, "PASSED: basic-caller-hangs-up: 13/13 steps passed, 0 failures, 0 warnings"))
      << o.out;
  auto r = rows(o.out);
  // The capture really is out of the listed order: A got the 200 (F7) and acknowledged it (F8)
  // before the 180 (F5) reached it.
  ASSERT_GT(r["F5"].frame, 0) << o.out;
  EXPECT_GT(r["F5"].frame, r["F7"].frame) << o.out;
  EXPECT_GT(r["F5"].frame, r["F8"].frame) << o.out;
  EXPECT_GT(r["F5"].frame, r["F6"].frame) << o.out;
}

TEST_F(CaptureCases, ByeOvertakingAckPasses) {
  Output o = check(kCaptures / "reorder/bye-before-ack.pcap");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_TRUE(
      contains(o.out, "PASSED: basic-caller-hangs-up: 13/13 steps passed, 0 failures, 0 warnings"))
      << o.out;
  auto r = rows(o.out);
  // P's BYE to B (F11) went out before P's ACK to B (F9), on the same leg
  ASSERT_GT(r["F9"].frame, 0) << o.out;
  EXPECT_GT(r["F9"].frame, r["F11"].frame) << o.out;
}

TEST_F(CaptureCases, ReorderingsFailTheStrictVariantAtTheFirstStepOutOfOrder) {
  // Counter-check: the same captures against the listed order only.
  Output o = check(kCaptures / "reorder/200-before-180.pcap", "caller-hangs-up-strict.yaml");
  EXPECT_EQ(o.status, 1) << o.out;
  std::vector<std::string> f = failure_lines(o.out);
  ASSERT_FALSE(f.empty()) << o.out;
  EXPECT_TRUE(
      std::regex_match(f[0], std::regex("F6: F6 came before F5 \\(F5 is at frame \\d+\\); strict_order "
                                        "demands the listed order \\(frame \\d+ at " +
                                        kTime + "\\)")))
      << o.out;
  EXPECT_TRUE(contains(o.out, ", which A receives before sending F8 (frame ")) << o.out;

  o = check(kCaptures / "reorder/bye-before-ack.pcap", "caller-hangs-up-strict.yaml");
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("\n  F10: F10 came before F9 \\(F9 is at frame \\d+\\); "
                                                  "strict_order demands the listed order")))
      << o.out;
}

TEST_F(CaptureCases, Late180DroppedFailsTheLibraryLadderAndPassesTheTolerantOne) {
  // The 200 went first and the 180 that came with it was dropped (legal, RFC 3261 16.7/17.2.1).
  // caller-hangs-up.yaml requires F5; caller-hangs-up-late-180.yaml makes it optional.
  Output o = check(kCaptures / "reorder/late-180-dropped.pcap");
  EXPECT_EQ(o.status, 1) << o.out;
  expect_failures(o.out, {"F5: 180 P -> A: not seen"});

  o = check(kCaptures / "reorder/late-180-dropped.pcap", "caller-hangs-up-late-180.yaml");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_TRUE(contains(
      o.out, "PASSED: basic-caller-hangs-up-late-180: 12/12 steps passed, 0 failures, 0 warnings"))
      << o.out;
  auto r = rows(o.out);
  EXPECT_EQ(r["F4"].status, "ok") << o.out;
  EXPECT_EQ(r["F7"].status, "ok") << o.out;
}

TEST_F(CaptureCases, TolerantLadderCannotTellASwallowed180FromALateOne) {
  // Documented limit of caller-hangs-up-late-180.yaml: by order alone, a proxy that swallows every
  // 180 looks like one that dropped a late 180. Only caller-hangs-up.yaml catches drop-180.
  Output o = check(kCaptures / "misbehave/drop-180.pcap", "caller-hangs-up-late-180.yaml");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_TRUE(contains(o.out, "PASSED: basic-caller-hangs-up-late-180: 12/12 steps passed"))
      << o.out;
}

// ---- captures kept from red runs (captures/found/): a correct device, a ladder too strict ----

// A capture, the ladder it once failed, its roles, and the order it really has: `late` came
// after every step of `early` (the order the old ladder demanded the other way round).
struct Found {
  const char* capture;
  const char* ladder;
  const char* roles;
  const char* passed;  ///< the start of the verdict line
  const char* late;
  std::vector<std::string> early;
};

TEST_F(CaptureCases, FoundCapturesPassTheLaddersTheyOnceFailed) {
  const Found found[] = {
      // Kamailio relayed A's NOTIFY after A's whole failed call to C (INVITE, 486, ACK).
      {"transfer-notify-late.pcap", "transfer/failed-target-busy.yaml",
       "A=127.0.0.1:53176 B=127.0.0.1:39784 C=127.0.0.1:43883 P=127.0.0.1:47650",
       "PASSED: transfer-failed-target-busy: 44/44 steps passed", "F22", {"F28", "F29"}},
      // Over TCP, the 200 to B's BYE came after B had answered A's final NOTIFY.
      {"transfer-bye-answer-late-tcp.pcap", "transfer/unattended-transfer.yaml",
       "A=127.0.0.1:45881 B=127.0.0.1:36179 C=127.0.0.1:37087 P=127.0.0.1:51768",
       "PASSED: transfer-unattended: 40/40 steps passed", "F20", {"F28c"}},
      // baresip as B took A off hold before the 200 to its BYE to C.
      {"call-waiting-resume-before-bye-answer.pcap", "hold/call-waiting.yaml",
       "A=127.0.0.1:48358 B=127.0.0.1:43075 C=127.0.0.1:60051 P=127.0.0.1:42033",
       "PASSED: hold-call-waiting: 38/38 steps passed", "F28", {"F29"}},
      // Kamailio relayed B's BYE to C after B's whole re-INVITE taking A off hold, ACK included.
      {"call-waiting-ack-before-bye-answer.pcap", "hold/call-waiting.yaml",
       "A=127.0.0.1:36855 B=127.0.0.1:60841 C=127.0.0.1:39050 P=127.0.0.1:44624",
       "PASSED: hold-call-waiting: 38/38 steps passed", "F27", {"F29", "F30", "F32", "F34"}},
      // Over TCP, the 202 to A's REFER came after A had answered C's BYE.
      {"attended-bye-answered-before-202-tcp.pcap", "transfer/attended-replaces.yaml",
       "A=127.0.0.1:45855 B=127.0.0.1:35169 C=127.0.0.1:43853 P=127.0.0.1:32802",
       "PASSED: transfer-attended-replaces: ", "F28", {"F38"}},
      // baresip as A sent 202 and NOTIFY together; B got and answered the NOTIFY first.
      {"failed-transfer-notify-before-202.pcap", "transfer/failed-target-busy.yaml",
       "A=127.0.0.1:44772 B=127.0.0.1:55336 C=127.0.0.1:42689 P=127.0.0.1:54195",
       "PASSED: transfer-failed-target-busy: 44/44 steps passed", "F19", {"F22"}},
  };
  for (const Found& f : found) {
    SCOPED_TRACE(f.capture);
    std::string roles;
    std::istringstream each(f.roles);
    for (std::string r; each >> r;) roles += " --role " + r;
    Output o = run_command(kLadder + " check '" + (kCaptures / "found" / f.capture).string() +
                           "' -s '" + (kSource / "scenarios" / f.ladder).string() + "'" + roles +
                           " 2>&1");
    EXPECT_EQ(o.status, 0) << o.out;
    EXPECT_TRUE(contains(o.out, f.passed)) << o.out;
    auto r = rows(o.out);
    ASSERT_GT(r[f.late].frame, 0) << o.out;
    for (const std::string& e : f.early) EXPECT_GT(r[f.late].frame, r[e].frame) << e << "\n" << o.out;
  }
}

// ---- the correct calls still pass ----

TEST_F(CaptureCases, CorrectCallsPass) {
  for (const char* f : {"sipp-kamailio-udp.pcap", "sipp-kamailio-tcp.pcap",
                        "sipp-kamailio-ipv6.pcap", "sipp-kamailio-any.pcap"}) {
    Output o = check(kCaptures / f);
    EXPECT_EQ(o.status, 0) << f << "\n" << o.out;
    EXPECT_TRUE(contains(
        o.out, "PASSED: basic-caller-hangs-up: 13/13 steps passed, 0 failures, 0 warnings"))
        << f << "\n"
        << o.out;
  }
}

}  // namespace
