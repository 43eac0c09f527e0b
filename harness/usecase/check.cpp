// `ladder check`: a capture held against a ladder, once or for every call in it.
#include <algorithm>
#include <filesystem>
#include <thread>

#include "capture/capture.h"
#include "engine/load.h"
#include "usecase/harness_own.h"
#include "usecase/infer.h"
#include "usecase/usecase.h"

namespace ladder::usecase {
namespace {

void report(const Hooks& hooks, const std::vector<core::Diagnostic>& ds) {
  if (!hooks.diagnostic) return;
  for (const core::Diagnostic& d : ds) hooks.diagnostic(d);
}

// A file that can be read more than once: not standard input, a pipe or a device.
bool rereadable(const std::string& path) {
  std::error_code ec;
  return path != "-" && std::filesystem::is_regular_file(path, ec);
}

void check_each(const CheckRequest& rq, const checker::CheckOptions& options,
                const scenario::Testbed* testbed, const Hooks& hooks, CheckResult& out) {
  const scenario::Scenario& sc = *out.scenario;
  checker::EachOptions eo;
  eo.check = options;
  // A load run's capture: the calls of its engines past the first were made under their own
  // users (engine::engine_users()) when the testbed registers; the Call-ID says which engine.
  // Its user agents' stacks misfired alike on an overloaded loop: judged as the live check did.
  if (testbed != nullptr) {
    eo.users_of = engine::users_by_call(sc, *testbed);
    judge_as_load(sc, *testbed, engine::LoadOptions{}.transaction_linger, eo);
  }
  // Steps in several dialogs: a call spans Call-IDs. Those a load run made carry its token and
  // the call's number, and are grouped by them; any other is a call of its own.
  bool grouped = !checker::groupable_by_call_id(sc);
  if (grouped) eo.call_of = engine::call_flow;
  if (rq.idle.count() > 0) eo.idle = std::chrono::nanoseconds(rq.idle).count();
  unsigned jobs = rq.jobs != 0 ? rq.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!rereadable(rq.capture)) jobs = 1;  // every job reads the capture itself
  std::vector<std::expected<capture::ReadResult, std::string>> results(jobs);
  auto read = [&](unsigned job, const checker::Feed& feed) {
    auto on_payload = [&feed](const sip::WireBytes& p) { feed(p); };
    // Every job meets the same warnings; job 0 reports them.
    auto on_warning = [&hooks, job](const core::Diagnostic& d) {
      if (job == 0 && hooks.diagnostic) hooks.diagnostic(d);
    };
    results[job] = capture::read_capture(rq.capture, on_payload, on_warning);
  };
  checker::EachSummary summary = checker::check_each(sc, eo, jobs, read);
  // As check_once: attributes nobody gave are read back from the first failed call, and every
  // call is checked again with them.
  if (!summary.first_failed.empty() && results[0]) {
    Inference inferred = infer_role_attributes(summary.first_failed.front().verdict, options.bindings);
    if (!inferred.values.empty() && inferred.missing.empty()) {
      apply(inferred, eo.check.bindings);
      summary = checker::check_each(sc, eo, jobs, read);
      for (std::string& n : inferred.notes) summary.notes.push_back("inferred " + n);
      if (!summary.first_failed.empty()) {
        inferred = infer_role_attributes(summary.first_failed.front().verdict, eo.check.bindings);
      }
    }
    if (!inferred.missing.empty()) {
      out.error = missing_attributes_error(inferred.missing, sc.source);
      return;
    }
  }
  const auto& first = results[0];
  if (!first) {
    out.error = first.error();
    return;
  }
  for (unsigned job = 1; job < jobs; ++job) {
    const auto& r = results[job];
    if (!r || r->stats.sip_messages != first->stats.sip_messages) {
      out.error = rq.capture + " changed while it was read (each of the " + std::to_string(jobs) +
                  " jobs reads it)";
      return;
    }
  }
  out.messages_read = first->stats.sip_messages;
  if (grouped) {
    summary.notes.push_back(sc.source + " has steps in more than one dialog: the Call-IDs of a "
                            "call of `ladder run --calls` are taken together by its run and call "
                            "number; any other Call-ID is a call of its own (check one instance "
                            "of another capture with --call-id)");
  }
  if (std::uint64_t n = summary.harness_gave_up; n > 0) {
    summary.notes.push_back(harness_gave_up_note(n));
  }
  bool passed = summary.all_passed();
  out.each = std::move(summary);
  if (!first->complete) {
    // Never a pass on a capture that was not read to the end.
    out.error = first->error;
    out.outcome = out.each->failed != 0 ? Outcome::failed : Outcome::bad_input;
    return;
  }
  if (out.each->calls == 0) out.error = "no call between the scenario's roles in " + rq.capture;
  out.outcome = passed ? Outcome::passed : Outcome::failed;
}

// `--live IFACE`: every call checked while the capture is taken, until the duration or Ctrl-C.
void check_live(const CheckRequest& rq, const checker::CheckOptions& options, const Hooks& hooks,
                CheckResult& out) {
  const scenario::Scenario& sc = *out.scenario;
  if (!checker::groupable_by_call_id(sc)) {
    out.error = "--live groups calls by Call-ID, but " + sc.source +
                " has steps in more than one dialog";
    return;
  }
  LiveEachOptions lo;
  lo.interface = rq.live;
  lo.pcap_path = rq.save;
  lo.buffer_mib = rq.buffer_mib;
  lo.each.check = options;
  if (rq.idle.count() > 0) lo.each.idle = std::chrono::nanoseconds(rq.idle).count();
  auto live = LiveEach::start(sc, lo);
  if (!live) {
    out.outcome = Outcome::environment;
    out.error = live.error();
    return;
  }
  using Clock = std::chrono::steady_clock;
  Clock::time_point start = Clock::now(), last = start;
  auto seconds = [&start] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  if (rq.on_live) rq.on_live((*live)->stats(), 0);  // the capture is open: the load may start
  while (rq.duration.count() == 0 || Clock::now() - start < rq.duration) {
    if (hooks.stop_requested && hooks.stop_requested()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the Ctrl-C poll's pace
    if (rq.on_live && Clock::now() - last >= std::chrono::milliseconds(250)) {
      last = Clock::now();
      rq.on_live((*live)->stats(), seconds());
    }
  }
  LiveEachResult r = (*live)->finish(std::chrono::seconds(2));
  if (rq.on_live) rq.on_live((*live)->stats(), seconds());
  out.messages_read = r.summary.messages;
  out.outcome = r.all_passed() ? Outcome::passed : Outcome::failed;
  if (!r.error.empty()) out.error = r.error;
  else if (r.summary.calls == 0) out.error = "no call between the scenario's roles on " + rq.live;
  out.each = r.summary;
  out.live = std::move(r);
}

void check_once(const CheckRequest& rq, const checker::CheckOptions& options, const Hooks& hooks,
                CheckResult& out) {
  auto read = read_capture(rq.capture, rq.call_id, hooks);
  if (!read) {
    out.error = read.error();
    return;
  }
  out.messages_read = read->messages.size();
  checker::Verdict v = checker::check(*out.scenario, read->messages, options);
  // Role attributes the ladder needs and nobody gave: read back where the ladder pins them,
  // then checked again; what cannot be read is an input error, not a failed device (issue 12).
  Inference inferred = infer_role_attributes(v, options.bindings);
  if (!inferred.values.empty() && inferred.missing.empty()) {
    checker::CheckOptions with = options;
    apply(inferred, with.bindings);
    v = checker::check(*out.scenario, read->messages, with);
    for (std::string& n : inferred.notes) v.notes.push_back("inferred " + n);
    inferred = infer_role_attributes(v, with.bindings);
  }
  if (!inferred.missing.empty()) {
    out.outcome = Outcome::bad_input;
    out.error = missing_attributes_error(inferred.missing, out.scenario->source);
    return;
  }
  out.outcome = v.passed ? Outcome::passed : Outcome::failed;
  if (!read->complete) {
    out.error = read->error;
    // Never a pass on a capture that was not read to the end.
    if (v.passed) out.outcome = Outcome::bad_input;
  } else if (!v.checked_anything) {
    out.error = "no SIP message between the scenario's roles in " + rq.capture + " (" +
                std::to_string(out.messages_read) + " SIP messages read); check --role";
  }
  out.verdict = std::move(v);
  out.messages = std::move(read->messages);
}

}  // namespace

CheckResult check(const CheckRequest& rq, const Hooks& hooks) {
  CheckResult out;
  scenario::LoadResult loaded = scenario::load_scenario(rq.scenario);
  report(hooks, loaded.diagnostics);
  if (!loaded.ok()) return out;
  out.scenario = std::move(loaded.scenario);

  checker::CheckOptions options;
  scenario::TestbedResult tb;
  if (!rq.testbed.empty()) {
    tb = scenario::load_testbed(rq.testbed);
    report(hooks, tb.diagnostics);
    if (!tb.ok()) return out;
    report(hooks, scenario::check_binding(*out.scenario, *tb.testbed));
    options = options_for(*out.scenario, *tb.testbed);
  }
  options.rules_fail = !rq.rules_warn;
  for (const auto& [role, addresses] : rq.roles.roles) options.roles.roles[role] = addresses;
  for (const auto& [name, value] : rq.sets.variables) options.bindings.variables[name] = value;
  for (const auto& [role, attrs] : rq.sets.roles) {
    for (const auto& [k, value] : attrs) options.bindings.roles[role][k] = value;
  }
  if (!rq.live.empty()) {
    check_live(rq, options, hooks, out);
  } else if (rq.each) {
    check_each(rq, options, tb.testbed ? &*tb.testbed : nullptr, hooks, out);
  } else {
    check_once(rq, options, hooks, out);
  }
  return out;
}

}  // namespace ladder::usecase
