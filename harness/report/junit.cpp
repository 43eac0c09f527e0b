// JUnit XML for CI: one <testcase> per scenario (or per instance with --each).
#include <cstdio>

#include "report/each_timing.h"
#include "report/report.h"

namespace ladder::report {
namespace {

// XML 1.0 text: escape markup, drop control characters XML cannot carry.
std::string xml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') out += '?';
        else out += ch;
    }
  }
  return out;
}

}  // namespace

JunitCase junit_case(const scenario::Scenario& sc, const checker::Verdict& v,
                     const std::string& name) {
  JunitCase c;
  c.suite = "ladder." + sc.name;
  c.name = name;
  c.passed = v.passed;
  // The message is the first root failure (issue 12); the text lists each root with the
  // failures that follow from it indented under it.
  for (std::size_t i = 0; i < v.failures.size(); ++i) {
    const checker::Failure& f = v.failures[i];
    if (!checker::is_root(f)) continue;
    std::string line = failure_text(f, v.origin);
    if (c.failure_message.empty()) c.failure_message = line;
    c.failure_text += line + "\n";
    for (const checker::Failure& g : v.failures) {
      if (g.cause == i && !g.warning) c.failure_text += "  follows: " + failure_text(g, v.origin) + "\n";
    }
  }
  for (const core::DriverEvent& e : v.driver_events) {
    c.system_out += driver_event_text(e, v.origin) + "\n";
  }
  if (!v.checked_anything && c.failure_message.empty()) {
    c.failure_message = "no message between the roles was found: nothing was checked";
    c.failure_text = c.failure_message + "\n";
  }
  return c;
}

std::vector<JunitCase> each_junit_cases(const scenario::Scenario& sc,
                                        const checker::EachSummary& s) {
  std::vector<JunitCase> cases;
  for (const checker::FailedCall& f : s.first_failed) {
    cases.push_back(junit_case(sc, f.verdict, sc.name + " call " + f.call_id));
  }
  JunitCase all;
  all.suite = "ladder." + sc.name;
  all.name = sc.name + ": every call";
  all.passed = s.all_passed();
  if (!all.passed) {
    all.failure_message =
        std::to_string(s.failed) + " of " + std::to_string(s.calls) + " calls failed";
    if (s.unknown) {
      all.failure_message += ", " + std::to_string(s.unknown) +
                             " unknown (" + unknown_cause(s) + "; never counted as passed)";
    }
    for (const auto& [what, n] : s.failures_by_step) {
      all.failure_text += what + ": " + std::to_string(n) + "\n";
    }
    for (const auto& [what, n] : s.unknown_by_step) {
      all.failure_text += what + " (unknown): " + std::to_string(n) + "\n";
    }
  }
  auto& p = all.properties;
  for (const auto& [name, n] : {std::pair{"calls", s.calls}, {"calls_passed", s.passed},
                                {"calls_failed", s.failed}, {"calls_unknown", s.unknown},
                                {"retransmissions", s.retransmissions}}) {
    p.emplace_back(name, std::to_string(n));
  }
  for (const detail::Timing& t : detail::each_timings(sc, s)) {
    p.emplace_back(t.key + "_p50_ms", detail::milliseconds(t.histogram->percentile(0.50)));
    p.emplace_back(t.key + "_p95_ms", detail::milliseconds(t.histogram->percentile(0.95)));
    p.emplace_back(t.key + "_p99_ms", detail::milliseconds(t.histogram->percentile(0.99)));
  }
  cases.push_back(all);
  return cases;
}

std::string junit_xml(const std::string& suite_name, const std::vector<JunitCase>& cases) {
  std::size_t failures = 0, skipped = 0;
  double total = 0;
  for (const JunitCase& c : cases) {
    failures += !c.passed && !c.skipped;
    skipped += c.skipped;
    total += c.seconds;
  }
  char buf[256];
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  std::snprintf(buf, sizeof buf,
                "<testsuites tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
                cases.size(), failures, skipped, total);
  out += buf;
  std::snprintf(buf, sizeof buf, "  <testsuite name=\"%s\" tests=\"%zu\" failures=\"%zu\" "
                "skipped=\"%zu\" time=\"%.3f\">\n", xml(suite_name).c_str(), cases.size(),
                failures, skipped, total);
  out += buf;
  for (const JunitCase& c : cases) {
    std::snprintf(buf, sizeof buf, "%.3f", c.seconds);
    out += "    <testcase classname=\"" + xml(c.suite) + "\" name=\"" + xml(c.name) +
           "\" time=\"" + buf + "\"";
    if (c.passed && c.system_out.empty() && c.properties.empty()) {
      out += "/>\n";
      continue;
    }
    out += ">\n";
    if (!c.properties.empty()) {
      out += "      <properties>\n";
      for (const auto& [name, value] : c.properties) {
        out += "        <property name=\"" + xml(name) + "\" value=\"" + xml(value) + "\"/>\n";
      }
      out += "      </properties>\n";
    }
    if (c.skipped) {
      out += "      <skipped message=\"" + xml(c.failure_message) + "\"/>\n";
    } else if (!c.passed) {
      out += "      <failure message=\"" + xml(c.failure_message) + "\" type=\"ladder\">" +
             xml(c.failure_text) + "</failure>\n";
    }
    if (!c.system_out.empty()) out += "      <system-out>" + xml(c.system_out) + "</system-out>\n";
    out += "    </testcase>\n";
  }
  return out + "  </testsuite>\n</testsuites>\n";
}

std::string junit_xml(const std::vector<JunitSuite>& suites) {
  // Each suite's element is cut from its one-suite document, so both forms write a test case
  // alike; only the totals of <testsuites> are counted here.
  std::size_t tests = 0, failures = 0, skipped = 0;
  double total = 0;
  std::string body;
  for (const JunitSuite& s : suites) {
    for (const JunitCase& c : s.cases) {
      ++tests;
      failures += !c.passed && !c.skipped;
      skipped += c.skipped;
      total += c.seconds;
    }
    std::string one = junit_xml(s.name, s.cases);
    std::size_t from = one.find("  <testsuite ");
    std::size_t to = one.rfind("</testsuites>");
    body += one.substr(from, to - from);
  }
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "<testsuites tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" time=\"%.3f\">\n",
                tests, failures, skipped, total);
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::string(buf) + body +
         "</testsuites>\n";
}

}  // namespace ladder::report
