// The `--each` reports (text, JSON, JUnit, HTML) show the p50/p95/p99 timings, retransmissions
// and the calls a lossy capture left unknown, from one summary of a hundred synthetic calls.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checker/flow_test_util.h"
#include "report/report.h"

namespace ladder::report {
namespace {

using namespace checker::testing;

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// 100 calls 1 s apart; call k's F3 (P forwards the INVITE) comes k ms after F1, so the F3
// latency runs 1 .. 100 ms: p50 near 50 ms, p99 near 99 ms. Call 7 loses its 180 P -> A, and
// call 3 has its INVITE twice.
checker::EachSummary hundred_calls(bool capture_lost) {
  scenario::Scenario sc = load(basic_ladder());
  checker::EachOptions o;
  o.check.roles = role_map();
  o.capture_lost = [capture_lost] { return capture_lost; };
  std::vector<Wire> all;
  for (int k = 1; k <= 100; ++k) {
    std::vector<Wire> w = basic_call();
    std::string n = std::to_string(k);
    for (Wire& m : w) {
      replace_all(m.text, "Call-ID: call-1", "Call-ID: call-" + n);
      replace_all(m.text, "tag=fa", "tag=fa" + n);
      replace_all(m.text, "tag=tb", "tag=tb" + n);
      replace_all(m.text, "branch=z9hG4bK", "branch=z9hG4bK" + n + "-");
    }
    double shift = w[F3].at - w[F1].at - k / 1000.0;  // F3 and everything after, k ms after F1
    for (std::size_t i = F3; i < w.size(); ++i) w[i].at -= shift;
    if (k == 3) {
      Wire again = w[F1];
      again.at += 0.0005;
      w.insert(w.begin() + F1 + 1, again);
    }
    if (k == 7) w.erase(w.begin() + F5);
    for (Wire& m : w) m.at += k;
    all.insert(all.end(), w.begin(), w.end());
  }
  std::stable_sort(all.begin(), all.end(), [](const Wire& a, const Wire& b) { return a.at < b.at; });
  checker::EachChecker each(sc, o);
  for (sip::WireMessage& m : observe(all)) each.add(std::move(m));
  each.finish();
  return each.summary();
}

TEST(EachReports, TextShowsPercentilesRetransmissionsAndUnknownCalls) {
  scenario::Scenario sc = load(basic_ladder());
  checker::EachSummary s = hundred_calls(true);
  ASSERT_EQ(s.unknown, 1u);
  ASSERT_EQ(s.retransmissions, 1u);
  const checker::Histogram& f3 = s.latency_by_step.at("F3");
  EXPECT_EQ(f3.total, 100u);
  std::string text = render_each(sc, s, "c.pcap");
  EXPECT_NE(text.find("Unknown (the capture lost packets, or the harness's own user agents fell "
                      "behind: never counted as passed):\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  F5 missing: 1 call\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Timing (from capture timestamps):\n  call set-up"), std::string::npos) << text;
  EXPECT_NE(text.find(" after F1: p50 "), std::string::npos) << text;
  EXPECT_NE(text.find("Retransmissions: 1 "), std::string::npos) << text;
  EXPECT_NE(text.find("FAILED: " + sc.name + ": 100 calls, 99 passed, 0 failed, 1 unknown ("),
            std::string::npos)
      << text;
}

// Unknown calls all of which the harness's own stack gave up on early are named so in every
// report, not put down to a capture loss that did not happen.
TEST(EachReports, UnknownCallsTheHarnessGaveUpOnSaySo) {
  scenario::Scenario sc = load(basic_ladder());
  checker::EachSummary s = hundred_calls(true);
  ASSERT_EQ(s.unknown, 1u);
  s.harness_gave_up = 1;
  const std::string cause = "the harness's own user agent hung up for want of an ACK sooner than "
                            "its stack waits: the stack misfired";
  EXPECT_EQ(unknown_cause(s), cause);
  EXPECT_NE(render_each(sc, s, "c.pcap").find("Unknown (" + cause + ": never counted as passed)"),
            std::string::npos);
  std::vector<JunitCase> cases = each_junit_cases(sc, s);
  ASSERT_FALSE(cases.empty());
  EXPECT_NE(cases.back().failure_message.find("1 unknown (" + cause + "; never counted as passed)"),
            std::string::npos)
      << cases.back().failure_message;
  s.unknown = 2;  // one more, lost by the capture or while the harness was behind
  EXPECT_EQ(unknown_cause(s),
            "the capture lost packets, or the harness's own user agents fell behind or hung up "
            "early");
}

TEST(EachReports, JsonCarriesThePercentilesInMilliseconds) {
  scenario::Scenario sc = load(basic_ladder());
  checker::EachSummary s = hundred_calls(false);
  auto j = nlohmann::json::parse(each_json(sc, s, "c.pcap"));
  EXPECT_EQ(j["calls_failed"], 1);
  EXPECT_EQ(j["calls_unknown"], 0);
  EXPECT_EQ(j["retransmissions"], 1);
  const auto& f3 = j["latency_by_step"]["F3"];
  EXPECT_EQ(f3["after"], "F1");
  EXPECT_EQ(f3["count"], 100);
  // The true values: p50 50 ms, p95 95 ms, p99 99 ms; the bins keep them within 26%.
  for (auto [key, want] : {std::pair{"p50_ms", 50.0}, {"p95_ms", 95.0}, {"p99_ms", 99.0}}) {
    double got = f3[key];
    EXPECT_GE(got, want / 1.26) << key;
    EXPECT_LE(got, want * 1.26) << key;
  }
  EXPECT_NEAR(f3["min_ms"].get<double>(), 1.0, 0.01);
  EXPECT_NEAR(f3["max_ms"].get<double>(), 100.0, 0.01);
  EXPECT_EQ(j["setup"]["count"], 100);
  EXPECT_LE(j["setup"]["p50_ms"].get<double>(), j["setup"]["p99_ms"].get<double>());
}

TEST(EachReports, JunitPropertiesCarryCountsAndPercentiles) {
  scenario::Scenario sc = load(basic_ladder());
  checker::EachSummary s = hundred_calls(true);
  std::vector<JunitCase> cases = each_junit_cases(sc, s);
  const JunitCase& all = cases.back();
  EXPECT_FALSE(all.passed) << "an unknown call is never a pass";
  EXPECT_NE(all.failure_message.find("1 unknown"), std::string::npos) << all.failure_message;
  std::string xml = junit_xml("ladder check --each c.pcap", cases);
  EXPECT_NE(xml.find("<property name=\"calls_unknown\" value=\"1\"/>"), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"setup_p99_ms\" value=\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<property name=\"F3_p50_ms\" value=\""), std::string::npos) << xml;
}

TEST(EachReports, HtmlTableAndPlotsShowPercentiles) {
  scenario::Scenario sc = load(basic_ladder());
  checker::EachSummary s = hundred_calls(true);
  std::string html = each_html(sc, s, "c.pcap");
  EXPECT_NE(html.find("1 unknown"), std::string::npos);
  EXPECT_NE(html.find("<th>timing (ms)</th><th>p50</th><th>p95</th><th>p99</th>"), std::string::npos);
  EXPECT_NE(html.find("<span class=\"pct\">p50 "), std::string::npos);
  EXPECT_NE(html.find("<td>F5 missing</td><td>1</td>"), std::string::npos);
}

}  // namespace
}  // namespace ladder::report
