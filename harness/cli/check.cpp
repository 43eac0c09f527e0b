// `ladder check CAPTURE --scenario S.yaml`: holds a capture against a ladder.
#include <algorithm>
#include <cstdio>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "capture/capture.h"
#include "checker/checker.h"
#include "checker/each.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "cli/observed.h"
#include "report/report.h"
#include "scenario/scenario.h"

namespace ladder::cli {
namespace {

struct CheckArgs {
  std::string capture;
  std::string scenario;
  std::string testbed;
  std::vector<std::string> roles;
  std::vector<std::string> sets;
  std::string call_id;
  std::string json;
  std::string junit;
  bool rules_warn = false;
  bool each = false;
  unsigned jobs = 0;  ///< 0: one per core
};

void print_diagnostics(const std::vector<core::Diagnostic>& ds) {
  for (const core::Diagnostic& d : ds) std::fprintf(stderr, "%s\n", d.format().c_str());
}

// "B.user=bob" sets a role attribute, "name=value" a variable.
bool apply_set(const std::string& text, scenario::Bindings& b) {
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  std::string key = text.substr(0, eq), value = text.substr(eq + 1);
  std::size_t dot = key.find('.');
  if (dot == std::string::npos) b.variables[key] = value;
  else b.roles[key.substr(0, dot)][key.substr(dot + 1)] = value;
  return true;
}

std::string render_each(const scenario::Scenario& sc, const checker::EachSummary& s,
                        const std::string& capture) {
  std::string out = sc.name + "  (" + capture + ", every call)\n";
  for (const checker::FailedCall& f : s.first_failed) {
    report::VerdictOptions vo;
    vo.title = "call " + f.call_id;
    out += report::render_verdict(sc, f.verdict, vo) + "\n";
  }
  if (!s.failures_by_step.empty()) {
    out += "Failures by step:\n";
    for (const auto& [what, n] : s.failures_by_step) {
      out += "  " + what + ": " + std::to_string(n) + " call" + (n == 1 ? "" : "s") + "\n";
    }
  }
  for (const std::string& n : s.notes) out += "Note: " + n + "\n";
  out += std::string(s.failed == 0 && s.calls > 0 ? "PASSED" : "FAILED") + ": " + sc.name + ": " +
         std::to_string(s.calls) + " calls, " + std::to_string(s.passed) + " passed, " +
         std::to_string(s.failed) + " failed (" + std::to_string(s.messages) + " SIP messages, " +
         std::to_string(s.outside_roles) + " outside the roles, " + std::to_string(s.late) +
         " after their call was checked)\n";
  return out;
}

// A file that can be read more than once: not standard input, a pipe or a device.
bool rereadable(const std::string& path) {
  std::error_code ec;
  return path != "-" && std::filesystem::is_regular_file(path, ec);
}

int run_each(const CheckArgs& a, const scenario::Scenario& sc, const checker::CheckOptions& opts) {
  if (!checker::groupable_by_call_id(sc)) {
    std::fprintf(stderr, "ladder check: --each groups calls by Call-ID, but %s has steps in more "
                 "than one dialog; check one instance with --call-id instead\n",
                 sc.source.c_str());
    return bad_input;
  }
  checker::EachOptions eo;
  eo.check = opts;
  eo.check.full_parse = false;  // parse with Sofia only what the ladder asserts
  unsigned jobs = a.jobs != 0 ? a.jobs : std::max(1u, std::thread::hardware_concurrency());
  if (!rereadable(a.capture)) jobs = 1;  // every job reads the capture itself
  std::vector<std::expected<capture::ReadResult, std::string>> results(jobs);
  WarningPrinter warn;
  auto read = [&](unsigned job, const checker::Feed& feed) {
    auto on_payload = [&feed](const sip::WireBytes& p) { feed(p); };
    if (job == 0) {
      results[0] = capture::read_capture(a.capture, on_payload, std::ref(warn));
    } else {  // the same diagnostics again: job 0 reports them
      results[job] = capture::read_capture(a.capture, on_payload, [](const core::Diagnostic&) {});
    }
  };
  const checker::EachSummary s = checker::check_each(sc, eo, jobs, read);
  const auto& result = results[0];
  if (!result) {
    std::fprintf(stderr, "ladder check: %s\n", result.error().c_str());
    return bad_input;
  }
  warn.finish(a.capture);
  for (unsigned job = 1; job < jobs; ++job) {
    const auto& r = results[job];
    if (!r || r->stats.sip_messages != result->stats.sip_messages) {
      std::fprintf(stderr,
                   "ladder check: %s changed while it was read (each of the %u jobs "
                   "reads it)\n",
                   a.capture.c_str(), jobs);
      return bad_input;
    }
  }
  std::string text = render_each(sc, s, a.capture);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  if (!a.json.empty()) {
    std::string json = report::each_json(sc, s, a.capture);
    if (auto e = write_file(a.json, json + "\n"); !e.empty()) {
      std::fprintf(stderr, "ladder check: %s\n", e.c_str());
      return environment;
    }
  }
  if (!a.junit.empty()) {
    std::vector<report::JunitCase> cases;
    for (const checker::FailedCall& f : s.first_failed) {
      cases.push_back(report::junit_case(sc, f.verdict, sc.name + " call " + f.call_id));
    }
    report::JunitCase all;
    all.suite = "ladder." + sc.name;
    all.name = sc.name + ": every call";
    all.passed = s.failed == 0 && s.calls > 0;
    if (!all.passed) {
      all.failure_message = std::to_string(s.failed) + " of " + std::to_string(s.calls) +
                            " calls failed";
      for (const auto& [what, n] : s.failures_by_step) {
        all.failure_text += what + ": " + std::to_string(n) + "\n";
      }
    }
    cases.push_back(all);
    if (auto e = write_file(a.junit, report::junit_xml("ladder check --each " + a.capture, cases));
        !e.empty()) {
      std::fprintf(stderr, "ladder check: %s\n", e.c_str());
      return environment;
    }
  }
  if (!result->complete) {
    std::fprintf(stderr, "ladder check: %s\n", result->error.c_str());
    return s.failed ? failed : bad_input;
  }
  if (s.calls == 0) {
    std::fprintf(stderr, "ladder check: no call between the scenario's roles in %s\n",
                 a.capture.c_str());
    return failed;
  }
  return s.failed == 0 ? ok : failed;
}

int run_check(const CheckArgs& a) {
  scenario::LoadResult loaded = scenario::load_scenario(a.scenario);
  print_diagnostics(loaded.diagnostics);
  if (!loaded.ok()) return bad_input;
  const scenario::Scenario& sc = *loaded.scenario;

  checker::CheckOptions opts;
  opts.rules_fail = !a.rules_warn;
  if (!a.testbed.empty()) {
    scenario::TestbedResult tb = scenario::load_testbed(a.testbed);
    print_diagnostics(tb.diagnostics);
    if (!tb.ok()) return bad_input;
    auto binding = scenario::check_binding(sc, *tb.testbed);
    print_diagnostics(binding);
    opts.roles = scenario::RoleMap::from_testbed(*tb.testbed);
    opts.bindings = scenario::bindings_from(*tb.testbed);
    for (const scenario::TestbedRole& r : tb.testbed->roles) {
      if (r.record_route) opts.record_route = r.record_route;
    }
  }
  std::string error;
  auto given = scenario::RoleMap::parse(a.roles, &error);
  if (!given) {
    std::fprintf(stderr, "ladder check: --role: %s\n", error.c_str());
    return bad_input;
  }
  for (auto& [role, addrs] : given->roles) opts.roles.roles[role] = addrs;
  for (const std::string& s : a.sets) {
    if (!apply_set(s, opts.bindings)) {
      std::fprintf(stderr, "ladder check: --set '%s': expected NAME=VALUE or ROLE.attr=VALUE\n",
                   s.c_str());
      return bad_input;
    }
  }

  if (a.each) return run_each(a, sc, opts);

  auto observed = read_observed(a.capture, a.call_id);
  if (!observed) {
    std::fprintf(stderr, "ladder check: %s\n", observed.error().c_str());
    return bad_input;
  }
  checker::Verdict v = checker::check(sc, observed->messages, opts);

  report::VerdictOptions vo;
  vo.title = a.capture;
  std::string text = report::render_verdict(sc, v, vo);
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  if (!a.json.empty()) {
    if (auto e = write_file(a.json, report::verdict_json(sc, v, a.capture) + "\n"); !e.empty()) {
      std::fprintf(stderr, "ladder check: %s\n", e.c_str());
      return environment;
    }
  }
  if (!a.junit.empty()) {
    auto c = report::junit_case(sc, v, sc.name);
    if (auto e = write_file(a.junit, report::junit_xml("ladder check " + a.capture, {c}));
        !e.empty()) {
      std::fprintf(stderr, "ladder check: %s\n", e.c_str());
      return environment;
    }
  }
  if (!observed->complete) {
    std::fprintf(stderr, "ladder check: %s\n", observed->error.c_str());
    if (v.passed) return bad_input;  // never a pass on a capture that was not read to the end
  }
  if (!v.checked_anything) {
    std::fprintf(stderr,
                 "ladder check: no SIP message between the scenario's roles in %s (%llu SIP "
                 "messages read); check --role\n",
                 a.capture.c_str(), static_cast<unsigned long long>(observed->messages.size()));
  }
  return v.passed ? ok : failed;
}

}  // namespace

Runner add_check(CLI::App& app) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "Check a capture against a ladder scenario");
  cmd->add_option("capture", a->capture, "pcap or pcapng file; - reads standard input")->required();
  cmd->add_option("-s,--scenario", a->scenario, "The ladder (YAML)")->required();
  cmd->add_option("--testbed", a->testbed, "Testbed file: role addresses and attributes");
  cmd->add_option("--role", a->roles, "ROLE=ADDRESS[:PORT], e.g. A=10.0.0.5:5060 (repeatable)");
  cmd->add_option("--set", a->sets, "ROLE.attr=VALUE (e.g. B.user=bob) or NAME=VALUE");
  cmd->add_option("--call-id", a->call_id, "Only the messages of this Call-ID");
  cmd->add_option("--json", a->json, "Write the verdict as JSON to this file (- for stdout)");
  cmd->add_option("--junit", a->junit, "Write JUnit XML to this file");
  cmd->add_flag("--rules-warn", a->rules_warn, "RFC 3261 rule findings warn instead of fail");
  cmd->add_flag("--each", a->each,
                "Check every call (Call-ID) of the capture against the ladder; counts plus the "
                "first failures in full");
  cmd->add_option("--jobs", a->jobs,
                  "--each: threads, each reading the capture and checking its share of the "
                  "calls (default: one per core; 1 for standard input); the result is the same "
                  "for any number")
      ->check(CLI::Range(1u, 256u));
  return [a] { return run_check(*a); };
}

}  // namespace ladder::cli
