#include "report/each_timing.h"

#include <cstdio>

namespace ladder::report::detail {

std::vector<Timing> each_timings(const scenario::Scenario& sc, const checker::EachSummary& s) {
  std::vector<Timing> out;
  if (s.setup.total > 0) {
    out.push_back({"setup", "", "call set-up (first step to the INVITE's 2xx at the caller)",
                   &s.setup});
  }
  for (const scenario::Step& st : sc.steps) {
    auto it = s.latency_by_step.find(st.id);
    if (it == s.latency_by_step.end() || !st.trigger || it->second.total == 0) continue;
    const std::string& after = sc.steps[*st.trigger].id;
    out.push_back({st.id, after, st.describe() + " after " + after, &it->second});
  }
  return out;
}

std::string milliseconds(core::TimeNs t) {
  double v = static_cast<double>(t) / 1e6;
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 10 ? "%.3f" : v < 100 ? "%.1f" : "%.0f", v);
  return buf;
}

std::string percentiles_text(const checker::Histogram& h) {
  return "p50 " + milliseconds(h.percentile(0.50)) + " ms, p95 " +
         milliseconds(h.percentile(0.95)) + " ms, p99 " + milliseconds(h.percentile(0.99)) +
         " ms (" + std::to_string(h.total) + " value" + (h.total == 1 ? "" : "s") + ", max " +
         milliseconds(h.max) + " ms)";
}

}  // namespace ladder::report::detail
