// The verdict as a terminal ladder: the scenario's roles as lanes, one arrow per step marked
// pass/FAIL/missing, the failures explained under it.
#include <cstdio>
#include <map>

#include "report/each_timing.h"
#include "report/lanes.h"
#include "report/report.h"

namespace ladder::report {
namespace {

const char* mark(checker::StepStatus s) {
  switch (s) {
    case checker::StepStatus::passed: return "ok  ";
    case checker::StepStatus::failed: return "FAIL";
    case checker::StepStatus::missing: return "MISS";
    case checker::StepStatus::skipped: return "skip";
  }
  return "?   ";
}

std::string where(const checker::Failure& f, core::TimeNs origin) {
  if (f.frame == 0) return "";
  return " (frame " + std::to_string(f.frame) + " at " + core::format_seconds(f.time - origin) + ")";
}

}  // namespace

std::string failure_text(const checker::Failure& f, core::TimeNs origin) {
  std::string out = f.step.empty() ? "" : f.step + ": ";
  return out + f.message + where(f, origin);
}

std::string driver_event_text(const core::DriverEvent& e, core::TimeNs origin) {
  std::string out = core::format_seconds(e.time - origin) + "  " + e.role + " (" + e.driver +
                    ") " + e.name;
  if (!e.detail.empty()) out += " " + e.detail;
  return out;
}

std::string render_verdict(const scenario::Scenario& sc, const checker::Verdict& v,
                           const VerdictOptions& o) {
  const std::vector<std::string> titles = lane_order(sc);
  std::map<std::string, std::size_t> lane;
  for (std::size_t i = 0; i < titles.size(); ++i) lane[titles[i]] = i;
  Lanes drawing(titles, 18);
  std::string out = sc.name + (o.title.empty() ? "" : "  (" + o.title + ")") + "\n";
  for (const auto& [role, addrs] : v.roles.roles) {
    out += "  " + role + " =";
    for (const scenario::RoleAddress& a : addrs) {
      core::Endpoint e{a.address, a.port.value_or(0)};
      out += " " + (a.port ? e.to_string() : a.address.to_string() + ":*");
    }
    out += "\n";
  }
  out += "                " + drawing.title_row() + "\n";
  char buf[64];
  // Driven handsets' events at their time among the steps: before the first step seen later.
  std::size_t next_event = 0;
  auto events_until = [&](std::optional<core::TimeNs> t) {
    while (next_event < v.driver_events.size() &&
           (!t || v.driver_events[next_event].time <= *t)) {
      const core::DriverEvent& e = v.driver_events[next_event++];
      // A mark on the role's lane, then the event as the driver said it: "~ A (baresip) ...".
      auto at = lane.find(e.role);
      std::string line(15, ' ');  // under the arrows, past the step column
      if (at != lane.end()) line += drawing.arrow(at->second, at->second, "");
      std::string said = driver_event_text(e, v.origin);
      std::size_t gap = said.find("  ");
      out += line + "  " + said.substr(0, gap) + "  ~ " + said.substr(gap + 2) + "\n";
    }
  };
  for (const checker::StepResult& r : v.steps) {
    const scenario::Step& st = sc.steps[r.step];
    if (r.message) events_until(r.time);
    std::string label = st.label();
    if (st.optional) label += "?";
    std::snprintf(buf, sizeof buf, "  %-6s %s  ", r.id.c_str(), mark(r.status));
    std::string line = buf + drawing.arrow(lane[st.from], lane[st.to], label);
    if (r.message) {
      line += "  frame " + std::to_string(r.frame) + "  " + core::format_seconds(r.time - v.origin);
    }
    if (!r.retransmissions.empty()) {
      line += "  +" + std::to_string(r.retransmissions.size()) + " retransmission" +
              (r.retransmissions.size() > 1 ? "s" : "");
    }
    if (!r.caused_by.empty()) line += "  <- " + r.caused_by;
    out += line + "\n";
  }
  events_until(std::nullopt);
  // Root failures first (issue 12), each followed by what follows from it; then warnings that
  // follow from nothing.
  std::vector<std::vector<std::size_t>> follows(v.failures.size());
  std::size_t roots = 0, consequences = 0, warnings = 0;
  for (std::size_t i = 0; i < v.failures.size(); ++i) {
    const checker::Failure& f = v.failures[i];
    if (f.cause && *f.cause < v.failures.size()) {
      follows[*f.cause].push_back(i);
      ++consequences;
    } else if (f.warning) {
      ++warnings;
    } else {
      ++roots;
    }
  }
  std::string failures, warns;
  std::size_t shown_warnings = 0;
  for (std::size_t i = 0; i < v.failures.size(); ++i) {
    const checker::Failure& f = v.failures[i];
    if (f.cause && *f.cause < v.failures.size()) continue;
    if (f.warning) {
      if (++shown_warnings <= o.max_warnings) warns += "  " + failure_text(f, v.origin) + "\n";
      continue;
    }
    failures += "  " + failure_text(f, v.origin) + "\n";
    const std::vector<std::size_t>& more = follows[i];
    if (more.empty()) continue;
    std::string n = std::to_string(more.size()) + (more.size() == 1 ? " more follows" : " more follow");
    if (!o.consequences) {
      failures += "    (" + n + " from it; --all shows them)\n";
      continue;
    }
    failures += "    " + n + " from it:\n";
    for (std::size_t k : more) {
      failures += "      " + failure_text(v.failures[k], v.origin) +
                  (v.failures[k].warning ? " [warning]" : "") + "\n";
    }
  }
  if (!failures.empty()) out += "Failures:\n" + failures;
  if (!warns.empty()) out += "Warnings:\n" + warns;
  if (shown_warnings > o.max_warnings) {
    out += "  ... " + std::to_string(shown_warnings - o.max_warnings) +
           " more warnings (see the JSON report)\n";
  }
  std::size_t errors = roots;
  for (const std::string& n : v.notes) out += "Note: " + n + "\n";
  std::size_t passed = 0, total = 0;
  for (const checker::StepResult& r : v.steps) {
    if (r.status == checker::StepStatus::skipped) continue;
    ++total;
    passed += r.status == checker::StepStatus::passed;
  }
  out += std::string(v.passed ? "PASSED" : "FAILED") + ": " + sc.name + ": " +
         std::to_string(passed) + "/" + std::to_string(total) + " steps passed, " +
         std::to_string(errors) + " failure" + (errors == 1 ? "" : "s") +
         (consequences ? " (+" + std::to_string(consequences) + " following from " +
                             (errors == 1 ? "it" : "them") + ")"
                       : std::string()) +
         ", " + std::to_string(warnings) + " warning" + (warnings == 1 ? "" : "s");
  if (!v.checked_anything) out += " (no message between the roles was found)";
  return out + "\n";
}

std::string unknown_cause(const checker::EachSummary& s) {
  if (s.harness_gave_up > 0 && s.harness_gave_up == s.unknown) {
    return "the harness's own user agent hung up for want of an ACK sooner than its stack "
           "waits: the stack misfired";
  }
  std::string cause = "the capture lost packets, or the harness's own user agents fell behind";
  if (s.harness_gave_up > 0) cause += " or hung up early";
  return cause;
}

std::string render_each(const scenario::Scenario& sc, const checker::EachSummary& s,
                        const std::string& capture) {
  std::string out = sc.name + "  (" + capture + ", every call)\n";
  for (const checker::FailedCall& f : s.first_failed) {
    VerdictOptions vo;
    vo.title = "call " + f.call_id;
    out += render_verdict(sc, f.verdict, vo) + "\n";
  }
  if (!s.failures_by_step.empty()) {
    out += "Failures by step:\n";
    for (const auto& [what, n] : s.failures_by_step) {
      out += "  " + what + ": " + std::to_string(n) + " call" + (n == 1 ? "" : "s") + "\n";
    }
  }
  if (!s.unknown_by_step.empty()) {
    out += "Unknown (" + unknown_cause(s) + ": never counted as passed):\n";
    for (const auto& [what, n] : s.unknown_by_step) {
      out += "  " + what + ": " + std::to_string(n) + " call" + (n == 1 ? "" : "s") + "\n";
    }
  }
  std::vector<detail::Timing> timings = detail::each_timings(sc, s);
  if (!timings.empty()) out += "Timing (from capture timestamps):\n";
  for (const detail::Timing& t : timings) {
    out += "  " + t.title + ": " + detail::percentiles_text(*t.histogram) + "\n";
  }
  if (s.retransmissions > 0) {
    out += "Retransmissions: " + std::to_string(s.retransmissions) + " (messages resent while "
           "their call was open)\n";
  }
  for (const std::string& n : s.notes) out += "Note: " + n + "\n";
  out += std::string(s.all_passed() ? "PASSED" : "FAILED") + ": " + sc.name + ": " +
         std::to_string(s.calls) + " calls, " + std::to_string(s.passed) + " passed, " +
         std::to_string(s.failed) + " failed" +
         (s.unknown ? ", " + std::to_string(s.unknown) + " unknown" : std::string()) + " (" +
         std::to_string(s.messages) + " SIP messages, " +
         std::to_string(s.outside_roles) + " outside the roles, " + std::to_string(s.late) +
         " after their call was checked)\n";
  return out;
}

}  // namespace ladder::report
