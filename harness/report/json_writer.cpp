// The only place that includes nlohmann/json.
#include <nlohmann/json.hpp>

#include "report/each_timing.h"
#include "report/report.h"

namespace ladder::report {
namespace {

double seconds(core::TimeNs ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

std::string record_json(const trace::Record& r, core::TimeNs origin) {
  nlohmann::ordered_json j;
  j["frame"] = r.frame;
  if (r.first_frame != r.frame) j["first_frame"] = r.first_frame;
  j["time"] = seconds(r.time - origin);
  j["epoch"] = seconds(r.time);
  j["src"] = r.src.to_string();
  j["dst"] = r.dst.to_string();
  j["transport"] = core::to_string(r.transport);
  j["kind"] = r.is_request ? "request" : "response";
  if (r.is_request) {
    j["method"] = r.method;
    j["uri"] = r.uri;
  } else {
    j["status"] = r.status;
    j["reason"] = r.reason;
  }
  j["cseq"] = r.cseq;
  j["cseq_method"] = r.cseq_method;
  j["call_id"] = r.call_id;
  j["branch"] = r.branch;
  j["size"] = r.size;
  j["retransmission"] = r.retransmission;
  if (r.retransmission) j["retransmission_of"] = r.retransmission_of;
  j["malformed"] = r.malformed;
  if (r.malformed) j["problem"] = r.problem;
  if (r.incomplete) j["incomplete"] = true;
  // Replace invalid UTF-8 (hostile captures) rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string call_json(const trace::CallSummary& c, core::TimeNs origin) {
  nlohmann::ordered_json j;
  j["call_id"] = c.call_id;
  j["first_frame"] = c.first_frame;
  j["start"] = seconds(c.first_time - origin);
  j["duration"] = seconds(c.last_time - c.first_time);
  j["messages"] = c.messages;
  j["retransmissions"] = c.retransmissions;
  j["malformed"] = c.malformed;
  j["method"] = c.method;
  if (c.final_status) j["final_status"] = c.final_status;
  else j["final_status"] = nullptr;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

nlohmann::ordered_json failure_json(const checker::Failure& f, core::TimeNs origin) {
  nlohmann::ordered_json j;
  j["step"] = f.step;
  j["kind"] = core::to_string(f.kind);
  j["header"] = f.header;
  j["expected"] = f.expected;
  j["seen"] = f.seen;
  j["message"] = f.message;
  j["frame"] = f.frame;
  j["time"] = f.frame ? seconds(f.time - origin) : 0.0;
  j["warning"] = f.warning;
  j["waived"] = f.waived;  // a warning because the ladder's policy.waive names its kind
  // The root failure this one follows from (issue 12): its step, and its index in "failures".
  j["caused_by"] = f.caused_by.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(f.caused_by);
  j["cause"] = f.cause ? nlohmann::ordered_json(*f.cause) : nlohmann::ordered_json();
  return j;
}

// Each role's addresses as "host:port" (or "host" for a role bound to any port): what
// `ladder check --role ROLE=ADDR` takes to check the same capture again.
nlohmann::ordered_json roles_object(const scenario::RoleMap& map) {
  nlohmann::ordered_json roles = nlohmann::ordered_json::object();
  for (const auto& [role, addrs] : map.roles) {
    for (const scenario::RoleAddress& a : addrs) {
      core::Endpoint e{a.address, a.port.value_or(0)};
      roles[role].push_back(a.port ? e.to_string() : a.address.to_string());
    }
  }
  return roles;
}

}  // namespace

nlohmann::ordered_json verdict_object(const scenario::Scenario& sc, const checker::Verdict& v,
                                      const std::string& capture) {
  nlohmann::ordered_json j;
  j["schema"] = "ladder-verdict/1";
  j["scenario"] = sc.name;
  j["source"] = sc.source;
  j["capture"] = capture;
  j["passed"] = v.passed;
  j["checked_anything"] = v.checked_anything;
  j["roles"] = roles_object(v.roles);
  j["steps"] = nlohmann::ordered_json::array();
  for (const checker::StepResult& r : v.steps) {
    const scenario::Step& st = sc.steps[r.step];
    nlohmann::ordered_json s;
    s["id"] = r.id;
    s["label"] = st.label();
    s["from"] = st.from;
    s["to"] = st.to;
    s["optional"] = st.optional;
    s["status"] = checker::to_string(r.status);
    s["caused_by"] = r.caused_by.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.caused_by);
    if (r.message) {
      s["frame"] = r.frame;
      s["time"] = seconds(r.time - v.origin);
    }
    s["retransmissions"] = nlohmann::ordered_json::array();
    for (const checker::Retransmission& rt : r.retransmissions) {
      s["retransmissions"].push_back({{"frame", rt.frame}, {"time", seconds(rt.time - v.origin)}});
    }
    s["failures"] = nlohmann::ordered_json::array();
    for (const checker::Failure& f : r.failures) s["failures"].push_back(failure_json(f, v.origin));
    j["steps"].push_back(s);
  }
  j["messages"] = nlohmann::ordered_json::array();
  for (const checker::MessageResult& m : v.messages) {
    if (m.src_role.empty() || m.dst_role.empty()) continue;
    nlohmann::ordered_json x;
    x["frame"] = m.frame;
    x["from"] = m.src_role;
    x["to"] = m.dst_role;
    x["step"] = m.step ? nlohmann::ordered_json(sc.steps[*m.step].id) : nlohmann::ordered_json();
    if (m.retransmission_of) x["retransmission_of_frame"] = v.messages[*m.retransmission_of].frame;
    if (m.tolerated) x["tolerated"] = true;
    x["rules"] = nlohmann::ordered_json::array();
    for (const checker::RuleFinding& rf : m.rules) {
      x["rules"].push_back({{"rule", rf.rule}, {"header", rf.header}, {"message", rf.message}});
    }
    j["messages"].push_back(x);
  }
  // The root failures first (indices into "failures", each with the indices of those that follow
  // from it), then every failure and warning in step order.
  j["root_failures"] = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < v.failures.size(); ++i) {
    if (!checker::is_root(v.failures[i])) continue;
    nlohmann::ordered_json r;
    r["failure"] = i;
    r["step"] = v.failures[i].step;
    r["message"] = failure_text(v.failures[i], v.origin);
    r["consequences"] = nlohmann::ordered_json::array();
    for (std::size_t k = 0; k < v.failures.size(); ++k) {
      if (v.failures[k].cause == i) r["consequences"].push_back(k);
    }
    j["root_failures"].push_back(r);
  }
  j["failures"] = nlohmann::ordered_json::array();
  for (const checker::Failure& f : v.failures) j["failures"].push_back(failure_json(f, v.origin));
  j["notes"] = v.notes;
  // What driven handsets reported, at their time on the same clock as the messages.
  j["driver_events"] = nlohmann::ordered_json::array();
  for (const core::DriverEvent& e : v.driver_events) {
    nlohmann::ordered_json x;
    x["time"] = seconds(e.time - v.origin);
    x["epoch"] = seconds(e.time);
    x["role"] = e.role;
    x["driver"] = e.driver;
    x["event"] = e.name;
    x["detail"] = e.detail;
    x["call_id"] = e.call_id;
    j["driver_events"].push_back(x);
  }
  return j;
}

std::string verdict_json(const scenario::Scenario& sc, const checker::Verdict& v,
                         const std::string& capture) {
  return verdict_object(sc, v, capture).dump(2, ' ', false,
                                             nlohmann::json::error_handler_t::replace);
}

std::string verdicts_json(const std::vector<VerdictOf>& verdicts) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const VerdictOf& v : verdicts) all.push_back(verdict_object(*v.scenario, *v.verdict, v.capture));
  return all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string each_json(const scenario::Scenario& sc, const checker::EachSummary& s,
                      const std::string& capture) {
  nlohmann::ordered_json j;
  j["schema"] = "ladder-each/1";
  j["scenario"] = sc.name;
  j["source"] = sc.source;
  j["capture"] = capture;
  j["passed"] = s.all_passed();
  j["calls"] = s.calls;
  j["calls_passed"] = s.passed;
  j["calls_failed"] = s.failed;
  j["messages"] = s.messages;
  j["outside_roles"] = s.outside_roles;
  j["roles"] = roles_object(s.roles);
  j["late"] = s.late;
  j["failures_by_step"] = s.failures_by_step;
  j["calls_unknown"] = s.unknown;
  j["unknown_by_step"] = s.unknown_by_step;
  j["retransmissions"] = s.retransmissions;
  // Durations in milliseconds; percentiles from the checker's log bins (within about 12%).
  auto timing = [](const checker::Histogram& h) {
    auto ms = [](core::TimeNs t) { return static_cast<double>(t) / 1e6; };
    nlohmann::ordered_json t;
    t["count"] = h.total;
    t["min_ms"] = ms(h.min);
    t["mean_ms"] = h.total ? ms(h.sum / static_cast<core::TimeNs>(h.total)) : 0.0;
    t["p50_ms"] = ms(h.percentile(0.50));
    t["p95_ms"] = ms(h.percentile(0.95));
    t["p99_ms"] = ms(h.percentile(0.99));
    t["max_ms"] = ms(h.max);
    return t;
  };
  j["setup"] = timing(s.setup);
  j["latency_by_step"] = nlohmann::ordered_json::object();
  for (const detail::Timing& t : detail::each_timings(sc, s)) {
    if (t.after.empty()) continue;
    nlohmann::ordered_json x = timing(*t.histogram);
    x["after"] = t.after;
    j["latency_by_step"][t.key] = x;
  }
  j["first_failed"] = nlohmann::ordered_json::array();
  for (const checker::FailedCall& f : s.first_failed) {
    nlohmann::ordered_json x = verdict_object(sc, f.verdict, capture);
    x["call_id"] = f.call_id;
    j["first_failed"].push_back(x);
  }
  j["notes"] = s.notes;
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string load_json(const LoadFigures& f, const scenario::Scenario* sc,
                      const checker::EachSummary* summary, const std::string& capture) {
  nlohmann::ordered_json load;
  load["attempted"] = f.attempted;
  load["achieved_rate"] = f.achieved_rate;
  load["engines"] = f.engines;
  load["engine_completed"] = f.engine_completed;
  load["engine_failed"] = f.engine_failed;
  load["engine_errors"] = f.engine_errors;
  load["unknown"] = f.unknown;
  load["capture_frames"] = f.frames;
  load["kernel_drops"] = f.kernel_drops;
  load["retransmissions"] = f.retransmissions;
  load["generator_drops"] = f.generator_drops;
  load["notes"] = f.notes;
  nlohmann::ordered_json j;
  j["load"] = std::move(load);
  if (sc != nullptr && summary != nullptr) {
    j["check"] = nlohmann::ordered_json::parse(each_json(*sc, *summary, capture));
  }
  return j.dump(2);
}

}  // namespace ladder::report
