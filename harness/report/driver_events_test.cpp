// Driven handsets' events (core::DriverEvent) in the verdict reports: at their time among the
// steps in the terminal ladder, in the JSON report, in JUnit's system-out.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "report/report.h"

namespace ladder::report {
namespace {

constexpr core::TimeNs kMs = 1'000'000;

struct Fixture {
  scenario::Scenario sc;
  checker::Verdict v;
};

Fixture checked() {
  auto r = scenario::load_scenario_text(R"(
name: ev
roles: [A, B]
steps:
  - {id: F1, from: B, to: A, request: INVITE}
  - {id: F2, from: A, to: B, response: 200}
)",
                                        "ev.yaml");
  EXPECT_TRUE(r.ok());
  Fixture f{*r.scenario, {}};
  f.v.scenario = "ev";
  f.v.origin = 1000 * kMs;
  f.v.roles.roles["A"] = {scenario::RoleAddress{*core::Address::parse("127.0.0.1"), 5061}};
  f.v.roles.roles["B"] = {scenario::RoleAddress{*core::Address::parse("127.0.0.1"), 5062}};
  for (std::size_t i = 0; i < 2; ++i) {
    checker::StepResult s;
    s.step = i;
    s.id = f.sc.steps[i].id;
    s.status = checker::StepStatus::passed;
    s.message = i;
    s.frame = i + 1;
    s.time = f.v.origin + static_cast<core::TimeNs>(10 * i) * kMs;  // 0 and 10 ms
    f.v.steps.push_back(s);
  }
  f.v.passed = true;
  f.v.checked_anything = true;
  f.v.driver_events = {
      {f.v.origin + 4 * kMs, "A", "baresip", "CALL_INCOMING", "sip:bob@x (incoming)", "c1"},
      {f.v.origin + 30 * kMs, "A", "baresip", "CALL_CLOSED", "", "c1"},
  };
  return f;
}

TEST(DriverEvents, SitBetweenTheStepsAtTheirTimeInTheTerminalLadder) {
  Fixture f = checked();
  std::string text = render_verdict(f.sc, f.v, {});
  std::size_t f1 = text.find("F1 ");
  std::size_t incoming = text.find("~ A (baresip) CALL_INCOMING");
  std::size_t f2 = text.find("F2 ");
  std::size_t closed = text.find("~ A (baresip) CALL_CLOSED");
  ASSERT_NE(incoming, std::string::npos) << text;
  ASSERT_NE(closed, std::string::npos) << text;
  EXPECT_LT(f1, incoming) << text;
  EXPECT_LT(incoming, f2) << text;
  EXPECT_LT(f2, closed) << text;
  EXPECT_NE(text.find("@  0.004000  ~ A (baresip) CALL_INCOMING sip:bob@x (incoming)\n"),
            std::string::npos)
      << text;
}

TEST(DriverEvents, AreInTheJsonReportWithTheirTime) {
  Fixture f = checked();
  auto j = nlohmann::json::parse(verdict_json(f.sc, f.v, "c.pcap"));
  ASSERT_EQ(j["driver_events"].size(), 2u);
  EXPECT_EQ(j["driver_events"][0]["event"], "CALL_INCOMING");
  EXPECT_EQ(j["driver_events"][0]["role"], "A");
  EXPECT_EQ(j["driver_events"][0]["driver"], "baresip");
  EXPECT_EQ(j["driver_events"][0]["call_id"], "c1");
  EXPECT_DOUBLE_EQ(j["driver_events"][0]["time"].get<double>(), 0.004);
}

TEST(DriverEvents, AreJunitSystemOutEvenWhenTheCasePassed) {
  Fixture f = checked();
  std::string xml = junit_xml("s", {junit_case(f.sc, f.v, "ev")});
  EXPECT_NE(xml.find("<system-out>0.004000  A (baresip) CALL_INCOMING sip:bob@x (incoming)\n"
                     "0.030000  A (baresip) CALL_CLOSED\n</system-out>"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("<failure"), std::string::npos) << xml;
}

}  // namespace
}  // namespace ladder::report
