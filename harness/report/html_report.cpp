// The verdict page and the `--each` page.
#include <algorithm>
#include <cmath>

#include "report/each_timing.h"
#include "report/html.h"
#include "report/html_ladder.h"
#include "report/html_page.h"
#include "report/report.h"

namespace ladder::report {
namespace {

std::string heading(const std::string& title, const std::string& capture,
                    const std::string& link, const std::string& source) {
  std::string out = "<h1>" + html::escape(title) + "</h1><div class=\"sub\">";
  if (!source.empty()) out += "ladder " + html::escape(source);
  if (!capture.empty()) {
    out += " &middot; checked from ";
    out += link.empty() ? html::escape(capture)
                        : "<a href=\"" + html::escape(link) + "\">" + html::escape(capture) + "</a>";
  }
  return out + "</div>";
}

// A histogram of durations as an inline SVG bar chart: only the bins from the first to the last
// non-empty one, labelled in milliseconds.
std::string plot(const std::string& title, const checker::Histogram& h) {
  if (h.total == 0 || h.counts.empty()) return "";
  std::size_t lo = 0, hi = h.counts.size() - 1;
  while (lo < hi && h.counts[lo] == 0) ++lo;
  while (hi > lo && h.counts[hi] == 0) --hi;
  if (hi - lo < 4) hi = std::min(h.counts.size() - 1, lo + 4);
  std::uint64_t top = *std::max_element(h.counts.begin() + static_cast<std::ptrdiff_t>(lo),
                                        h.counts.begin() + static_cast<std::ptrdiff_t>(hi) + 1);
  const int bw = 18, ph = 90, left = 36, bottom = 34;
  int n = static_cast<int>(hi - lo + 1);
  int w = left + n * bw + 10;
  auto ms = [](core::TimeNs t) {
    double v = static_cast<double>(t) / 1e6;
    char buf[32];
    std::snprintf(buf, sizeof buf, v < 1 ? "%.2g" : v < 100 ? "%.3g" : "%.0f", v);
    return std::string(buf);
  };
  std::string out = "<div class=\"plot\"><b>" + html::escape(title) + "</b><br><span class=\"sub\">" +
                    std::to_string(h.total) + " values, min " + ms(h.min) + " ms, mean " +
                    ms(h.sum / static_cast<core::TimeNs>(h.total)) + " ms, max " + ms(h.max) +
                    " ms</span><br><span class=\"pct\">p50 " + ms(h.percentile(0.50)) +
                    " ms &middot; p95 " + ms(h.percentile(0.95)) + " ms &middot; p99 " +
                    ms(h.percentile(0.99)) +
                    " ms</span><br><svg class=\"hist\" width=\"" + std::to_string(w) +
                    "\" height=\"" + std::to_string(ph + bottom + 6) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">";
  out += "<text x=\"2\" y=\"12\" class=\"time\">" + std::to_string(top) + "</text>";
  for (int i = 0; i < n; ++i) {
    std::uint64_t c = h.counts[lo + static_cast<std::size_t>(i)];
    int bh = top == 0 ? 0 : static_cast<int>(std::lround(static_cast<double>(c) * ph / static_cast<double>(top)));
    int x = left + i * bw;
    out += "<rect class=\"bar\" x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(ph - bh + 4) +
           "\" width=\"" + std::to_string(bw - 2) + "\" height=\"" + std::to_string(bh) +
           "\"><title>" + ms(checker::Histogram::lower(lo + static_cast<std::size_t>(i))) + "-" +
           ms(checker::Histogram::lower(lo + static_cast<std::size_t>(i) + 1)) + " ms: " +
           std::to_string(c) + "</title></rect>";
    if (i % 3 == 0) {
      out += "<text class=\"time\" x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(ph + 18) +
             "\">" + ms(checker::Histogram::lower(lo + static_cast<std::size_t>(i))) + "</text>";
    }
  }
  out += "<text class=\"time\" x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(ph + 32) +
         "\">ms (log scale)</text></svg></div>";
  return out;
}

}  // namespace

std::string verdict_html(const HtmlVerdict& in) {
  std::string title = in.title.empty() ? in.scenario->name : in.title;
  std::string body = "<header>" + heading(title, in.capture, in.capture_link, in.scenario->source) +
                     html::verdict_summary(in) + "</header>\n<main><div id=\"ladder\">" +
                     html::ladder_svg(in, "") + "</div>" + html::panel() + "</main>";
  return html::page(title + (in.verdict->passed ? " PASSED" : " FAILED"), body);
}

std::string each_html(const scenario::Scenario& sc, const checker::EachSummary& s,
                      const std::string& capture) {
  std::string body = "<header>" + heading(sc.name + ", every call", capture, "", sc.source);
  body += "<p><span class=\"verdict " + std::string(s.all_passed() ? "passed" : "failed") + "\">" +
          (s.all_passed() ? "PASSED" : "FAILED") + "</span>" + std::to_string(s.calls) +
          " calls: " + std::to_string(s.passed) + " passed, " + std::to_string(s.failed) +
          " failed" + (s.unknown ? ", " + std::to_string(s.unknown) + " unknown" : std::string()) +
          " &middot; " + std::to_string(s.messages) + " SIP messages, " +
          std::to_string(s.outside_roles) + " outside the roles, " + std::to_string(s.late) +
          " after their call was checked</p>";
  if (!s.failures_by_step.empty()) {
    std::vector<std::pair<std::uint64_t, std::string>> by;
    for (const auto& [what, n] : s.failures_by_step) by.emplace_back(n, what);
    std::stable_sort(by.begin(), by.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    body += "<table class=\"idx\"><thead><tr><th>failures by step</th><th>calls</th></tr></thead><tbody>";
    for (const auto& [n, what] : by) {
      body += "<tr><td>" + html::escape(what) + "</td><td>" + std::to_string(n) + "</td></tr>";
    }
    body += "</tbody></table>";
  }
  if (!s.unknown_by_step.empty()) {
    body += "<table class=\"idx\"><thead><tr><th>unknown: " + html::escape(unknown_cause(s)) +
            " (never passed)</th><th>calls</th></tr></thead><tbody>";
    for (const auto& [what, n] : s.unknown_by_step) {
      body += "<tr><td>" + html::escape(what) + "</td><td>" + std::to_string(n) + "</td></tr>";
    }
    body += "</tbody></table>";
  }
  std::vector<detail::Timing> timings = detail::each_timings(sc, s);
  if (!timings.empty()) {
    body += "<table class=\"idx\"><thead><tr><th>timing (ms)</th><th>p50</th><th>p95</th>"
            "<th>p99</th><th>max</th><th>calls</th></tr></thead><tbody>";
    for (const detail::Timing& t : timings) {
      const checker::Histogram& h = *t.histogram;
      body += "<tr><td>" + html::escape(t.title) + "</td><td>" +
              detail::milliseconds(h.percentile(0.50)) + "</td><td>" +
              detail::milliseconds(h.percentile(0.95)) + "</td><td>" +
              detail::milliseconds(h.percentile(0.99)) + "</td><td>" +
              detail::milliseconds(h.max) + "</td><td>" + std::to_string(h.total) + "</td></tr>";
    }
    body += "</tbody></table>";
  }
  if (s.retransmissions > 0) {
    body += "<p class=\"sub\">" + std::to_string(s.retransmissions) +
            " retransmissions (messages resent while their call was open)</p>";
  }
  for (const std::string& n : s.notes) body += "<p class=\"sub\">" + html::escape(n) + "</p>";
  body += "</header>\n<main><div id=\"ladder\">";
  std::size_t k = 0;
  for (const checker::FailedCall& f : s.first_failed) {
    std::vector<sip::WireMessage> msgs;
    msgs.reserve(f.messages.size());
    for (const checker::KeptMessage& m : f.messages) msgs.push_back({m.wire, sip::Message(m.bytes)});
    HtmlVerdict in;
    in.scenario = &sc;
    in.verdict = &f.verdict;
    in.messages = msgs;
    body += "<section><h2>Failed call " + html::escape(f.call_id) + "</h2>" +
            html::verdict_summary(in) + "</section>" +
            html::ladder_svg(in, std::to_string(k++) + "-");
  }
  if (s.first_failed.empty()) body += "<section><p>No call failed.</p></section>";
  body += "</div>" + html::panel() + "</main>\n<section><h2>Timing</h2></section><div class=\"plots\">" +
          plot("call set-up (first step to the INVITE's 2xx at the caller)", s.setup);
  for (const scenario::Step& st : sc.steps) {
    auto it = s.latency_by_step.find(st.id);
    if (it == s.latency_by_step.end() || !st.trigger) continue;
    body += plot(st.describe() + " after " + sc.steps[*st.trigger].id, it->second);
  }
  body += "</div>";
  return html::page(sc.name + " every call " + (s.all_passed() ? "PASSED" : "FAILED"), body);
}

}  // namespace ladder::report
