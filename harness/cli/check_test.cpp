// Integration: `ladder check` and `ladder validate` as a user runs them, on real captures and the
// repo's ladder library. Wrong ladders are made by editing the real ones, so each test says which
// step must fail and why.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test.h"
#include "testing/run_command.h"

namespace {

using namespace ladder::cli::testing;
using ladder::testing::read_file;

const fs::path kShared = kSource / ".." / "shared" / "captures" / "public";
const fs::path kScenarios = kSource / "scenarios";

const std::string kIpv6Roles =
    " --role 'A=[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060'"
    " --role 'P=[fd17:625c:f037:2:a00:27ff:feb9:3519]:5062'"
    " --role 'B=[fd17:625c:f037:2:a00:27ff:feb9:4222]:25060'";
const std::string kAaaRegister = " --call-id 29858147-465b0752@29858051-465b07b2";
const std::string kAaaInvite = " --call-id 11894297-4432a9f8@192.168.1.2";

class Check : public ladder::testing::TempDirTest {
 protected:
  void SetUp() override {
    TempDirTest::SetUp();
    if (!fs::exists(kShared / "aaa.pcap")) {
      GTEST_SKIP() << kShared << " is absent (../shared not beside the repo)";
    }
  }
  Output check(const std::string& capture, const fs::path& ladder, const std::string& args = "") {
    return run_command(kLadder + " check '" + (kShared / capture).string() + "' -s '" +
                       ladder.string() + "'" + args + " 2>&1");
  }
  // A copy of a library ladder with `from` replaced by `to` (which must occur).
  fs::path edited(const std::string& name, const std::string& from, const std::string& to) {
    std::string text = read_file(kScenarios / name);
    std::size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from << " not in " << name;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return write("edited.yaml", text);
  }
};

TEST_F(Check, Ipv6FragmentedCallPassesWithTheRoleMap) {
  Output o = check("ipv6frag.pcap", kScenarios / "captures/ipv6frag.yaml", kIpv6Roles);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: capture-ipv6frag: 31/31 steps passed"), std::string::npos) << o.out;
  // The capture's real deviations stay visible as waived warnings.
  EXPECT_NE(o.out.find("F22: RFC 3261 7: malformed: more than one Content-Type header "
                       "[waived: policy.waive has 'rule'] (frame 24 at 0.837663)"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, Ipv6RolesAreInferredAndSaid) {
  Output o = check("ipv6frag.pcap", kScenarios / "captures/ipv6frag.yaml");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("Note: roles inferred from the capture: "
                       "A=[fd17:625c:f037:2:a00:27ff:feb9:1521]:15060 (F1, frame 2)"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, WrongMaxForwardsFailsAtTheForward) {
  fs::path bad = edited("captures/ipv6frag.yaml", "Max-Forwards: {equals: '69'}",
                        "Max-Forwards: {equals: '68'}");
  Output o = check("ipv6frag.pcap", bad, kIpv6Roles);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("  F3     FAIL"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("F3: Max-Forwards: expected '68', seen '69' (frame 5 at 0.220021)"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, MissingStepIsNamedWithTheNearestMessage) {
  // The ladder claims the proxy answers A with 180 at once; the capture has its 100 Trying.
  fs::path bad = edited("captures/ipv6frag.yaml", "{id: F2, from: P, to: A, response: 100}",
                        "{id: F2, from: P, to: A, response: 180}");
  Output o = check("ipv6frag.pcap", bad, kIpv6Roles);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("  F2     MISS"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("F2: 180 P -> A: not seen; instead: 100 P -> A at frame 3"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, RegistrationWithChallengePasses) {
  Output o = check("aaa.pcap", kScenarios / "captures/aaa-register.yaml", kAaaRegister);
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("PASSED: capture-aaa-register: 5/5 steps passed"), std::string::npos)
      << o.out;
}

TEST_F(Check, RegistrationExpectingForbiddenFailsAtTheChallenge) {
  fs::path bad = edited("captures/aaa-register.yaml", "response: 401", "response: 403");
  Output o = check("aaa.pcap", bad, kAaaRegister);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("F2: 403 R -> A: not seen; instead: 401 R -> A at frame 516"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, InviteChallengePassesAndAckWithoutMaxForwardsIsReported) {
  Output ok = check("aaa.pcap", kScenarios / "captures/aaa-invite-407.yaml", kAaaInvite);
  EXPECT_EQ(ok.status, 0) << ok.out;
  fs::path strict = edited("captures/aaa-invite-407.yaml", "policy: {waive: [rule]}\n", "");
  Output o = check("aaa.pcap", strict, kAaaInvite);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("F3: RFC 3261 8.1.1.6: mandatory header Max-Forwards is missing "
                       "(frame 604 at 0.162508)"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, JsonAndJunitReports) {
  fs::path bad = edited("captures/ipv6frag.yaml", "Max-Forwards: {equals: '69'}",
                        "Max-Forwards: {equals: '68'}");
  fs::path json = dir_ / "v.json", junit = dir_ / "v.xml";
  Output o = check("ipv6frag.pcap", bad,
                   kIpv6Roles + " --json '" + json.string() + "' --junit '" + junit.string() + "'");
  EXPECT_EQ(o.status, 1) << o.out;
  auto j = nlohmann::json::parse(read_file(json));
  EXPECT_EQ(j["schema"], "ladder-verdict/1");
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["steps"][2]["id"], "F3");
  EXPECT_EQ(j["steps"][2]["status"], "failed");
  EXPECT_EQ(j["steps"][2]["failures"][0]["header"], "Max-Forwards");
  EXPECT_EQ(j["steps"][2]["failures"][0]["seen"], "69");
  EXPECT_EQ(j["steps"][2]["failures"][0]["frame"], 5);
  EXPECT_EQ(j["steps"][2]["failures"][0]["waived"], false);
  // The capture's known deviation (policy.waive: [rule]) is a warning that says it was waived.
  bool waived_warning = false;
  for (const auto& f : j["failures"]) {
    if (f["step"] == "F22" && f["kind"] == "rule") waived_warning = f["warning"] && f["waived"];
  }
  EXPECT_TRUE(waived_warning) << j["failures"].dump(1);
  std::string xml = read_file(junit);
  EXPECT_NE(xml.find("<testsuites tests=\"1\" failures=\"1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"F3: Max-Forwards: expected &apos;68&apos;, seen "
                     "&apos;69&apos; (frame 5 at 0.220021)\""),
            std::string::npos)
      << xml;
}

TEST_F(Check, NothingBetweenTheRolesIsNotAPass) {
  Output o = check("ipip.pcap", kScenarios / "captures/ipv6frag.yaml", kIpv6Roles);
  EXPECT_EQ(o.status, 1) << o.out;
  EXPECT_NE(o.out.find("no SIP message between the scenario's roles"), std::string::npos) << o.out;
}

TEST_F(Check, BadLadderIsAnInputErrorWithPosition) {
  fs::path bad = write("bad.yaml", "name: x\nroles: [A, B]\nsteps:\n  - {id: F1, form: A, to: B, request: INVITE}\n");
  Output o = check("ipip.pcap", bad);
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("bad.yaml:4:14: error: unknown key 'form' in step F1; did you mean 'from'?"),
            std::string::npos)
      << o.out;
}

TEST_F(Check, BadRoleIsAnInputError) {
  Output o = check("ipip.pcap", kScenarios / "captures/ipv6frag.yaml", " --role A=fd17::1:5060");
  EXPECT_EQ(o.status, 2) << o.out;
  EXPECT_NE(o.out.find("--role"), std::string::npos) << o.out;
}

TEST(Validate, TheWholeLibraryIsValid) {
  Output o = run_command("find '" + kScenarios.string() + "' -name '*.yaml' | xargs " + kLadder +
                         " validate 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("unattended-transfer.yaml: ok"), std::string::npos) << o.out;
}

TEST(List, ShowsNamesAndTags) {
  Output o = run_command(kLadder + " list '" + kScenarios.string() + "' 2>&1");
  EXPECT_EQ(o.status, 0) << o.out;
  EXPECT_NE(o.out.find("basic-successful-call"), std::string::npos) << o.out;
  EXPECT_NE(o.out.find("transfer"), std::string::npos) << o.out;
}

}  // namespace
