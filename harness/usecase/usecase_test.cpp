// The use cases as a library: the shared policy, and check on the repo's real captures.
#include "usecase/usecase.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace ladder::usecase {
namespace {

const std::filesystem::path kSource = LADDER_SOURCE_DIR;

scenario::Scenario ladder(const std::string& text) {
  scenario::LoadResult r = scenario::load_scenario_text(text, "test.yaml");
  EXPECT_TRUE(r.ok());
  return *r.scenario;
}

scenario::Testbed testbed(const std::string& text) {
  scenario::TestbedResult r = scenario::load_testbed_text(text, "testbed.yaml");
  EXPECT_TRUE(r.ok());
  return *r.testbed;
}

const char* kCall =
    "name: call\nsummary: s\ntags: [t]\nroles: [A, B, P: proxy]\nsteps:\n"
    "  - {id: F1, from: A, to: P, request: INVITE}\n"
    "  - {id: F2, from: P, to: B, request: INVITE, forwards: F1}\n";
const char* kRegister =
    "name: reg\nsummary: s\ntags: [t]\nroles: [A, P: proxy]\nsteps:\n"
    "  - {id: F1, from: A, to: P, request: REGISTER}\n"
    "  - {id: F2, from: P, to: A, response: 200}\n";
const char* kRegisteringTestbed =
    "roles:\n"
    "  A: {played_by: harness, bind: 127.0.0.1:0, user: alice, register: true}\n"
    "  B: {played_by: harness, bind: 127.0.0.1:0, user: bob}\n"
    "  P: {dut: 127.0.0.1:5060, domain: example.test, kind: proxy, record_route: false}\n";

TEST(OptionsFor, ATestbedThatRegistersMakesItsRegistrationsTolerable) {
  checker::CheckOptions o = options_for(ladder(kCall), testbed(kRegisteringTestbed));
  EXPECT_EQ(o.tolerated_methods, std::vector<std::string>{"REGISTER"});
  EXPECT_EQ(o.record_route, std::optional<bool>(false));
  EXPECT_EQ(o.bindings.roles["P"]["domain"], "example.test");
  EXPECT_TRUE(o.roles.roles.contains("P"));
}

TEST(OptionsFor, ALadderAboutRegistrationChecksEveryRegister) {
  checker::CheckOptions o = options_for(ladder(kRegister), testbed(kRegisteringTestbed));
  EXPECT_TRUE(o.tolerated_methods.empty());
}

TEST(OptionsFor, NoRegistrationsNothingTolerated) {
  checker::CheckOptions o = options_for(
      ladder(kCall), testbed("roles:\n  A: {played_by: harness, bind: 127.0.0.1:0}\n"
                             "  B: {played_by: harness, bind: 127.0.0.1:0}\n"
                             "  P: {dut: 127.0.0.1:5060, kind: proxy}\n"));
  EXPECT_TRUE(o.tolerated_methods.empty());
  EXPECT_FALSE(o.record_route.has_value());
}

CheckRequest basic_call(bool each) {
  CheckRequest rq;
  rq.capture = (kSource / "captures" / "sipp-kamailio-udp.pcap").string();
  rq.scenario = (kSource / "scenarios" / "basic" / "caller-hangs-up.yaml").string();
  rq.each = each;
  rq.jobs = 2;
  return rq;
}

TEST(Check, ARealCallPassesOnceAndAsEveryCall) {
  CheckResult once = check(basic_call(false), {});
  EXPECT_EQ(once.outcome, Outcome::passed) << once.error;
  ASSERT_TRUE(once.verdict.has_value());
  EXPECT_TRUE(once.verdict->passed);
  EXPECT_FALSE(once.each.has_value());

  CheckResult each = check(basic_call(true), {});
  EXPECT_EQ(each.outcome, Outcome::passed) << each.error;
  ASSERT_TRUE(each.each.has_value());
  EXPECT_EQ(each.each->calls, 1U);
  EXPECT_TRUE(each.each->all_passed());
}

TEST(Check, AMissingCaptureIsBadInputNamingTheFile) {
  CheckRequest rq = basic_call(false);
  rq.capture = (kSource / "captures" / "no-such.pcap").string();
  CheckResult r = check(rq, {});
  EXPECT_EQ(r.outcome, Outcome::bad_input);
  EXPECT_NE(r.error.find("no-such.pcap"), std::string::npos) << r.error;
  EXPECT_FALSE(r.verdict.has_value());
}

TEST(Check, ABrokenLadderIsBadInputAndItsDiagnosticsReachTheHook) {
  CheckRequest rq = basic_call(false);
  rq.scenario = (kSource / "scenarios" / "no-such.yaml").string();
  std::vector<core::Diagnostic> seen;
  CheckResult r = check(rq, {[&seen](const core::Diagnostic& d) { seen.push_back(d); }, {}});
  EXPECT_EQ(r.outcome, Outcome::bad_input);
  ASSERT_EQ(seen.size(), 1U);
  EXPECT_NE(seen[0].format().find("no-such.yaml"), std::string::npos);
}

TEST(Check, RolesThatMatchNothingFailAndSaySo) {
  CheckRequest rq = basic_call(false);
  std::string error;
  auto roles = scenario::RoleMap::parse({"A=10.9.9.9:5060"}, &error);
  ASSERT_TRUE(roles) << error;
  rq.roles = *roles;
  CheckResult r = check(rq, {});
  EXPECT_EQ(r.outcome, Outcome::failed);
}

}  // namespace
}  // namespace ladder::usecase
