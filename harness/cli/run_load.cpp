// `ladder run LADDER --calls N --rate R`: parses the load options, calls usecase::run_load,
// prints the progress line and the report, writes the files asked for.
#include "cli/run_load.h"

#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "cli/output.h"
#include "report/report.h"
#include "usecase/load_run.h"

namespace ladder::cli {
namespace {

std::optional<double> number(std::string_view s) {
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string load_lines(const usecase::LoadRunResult& r) {
  std::string s = "\nload: " + std::to_string(r.attempted) + " calls attempted at " +
                  fixed(r.achieved_rate, 1) + " calls/s achieved, " + std::to_string(r.engines) +
                  (r.engines == 1 ? " engine" : " engines") + "\n";
  if (r.each) {
    s += "  checked from the capture: " + std::to_string(r.each->passed) + " passed, " +
         std::to_string(r.each->failed) + " failed, " + std::to_string(r.unknown) +
         " unknown (" + report::unknown_cause(*r.each) + ": never passed)\n";
  }
  s += "  engine's view: " + std::to_string(r.engine_completed) + " completed, " +
       std::to_string(r.engine_failed) + " failed\n";
  if (!r.each && r.unknown > 0) {
    s += "  unknown: " + std::to_string(r.unknown) +
         " (the harness's own sockets dropped datagrams: never passed)\n";
  }
  for (const std::string& e : r.engine_errors) s += "    " + e + "\n";
  if (r.each) s += "  capture: " + std::to_string(r.frames) + " frames, " + std::to_string(r.kernel_drops) +
       " dropped by the kernel, " + std::to_string(r.retransmissions) + " retransmissions\n";
  for (const std::string& n : r.notes) s += "  note: " + n + "\n";
  return s;
}

std::string load_json(const usecase::LoadRunResult& r) {
  report::LoadFigures f{r.attempted,    r.achieved_rate,   r.engines,         r.engine_completed,
                        r.engine_failed, r.engine_errors,   r.unknown,         r.frames,
                        r.kernel_drops,  r.retransmissions, r.generator_drops, r.notes};
  const bool checked = r.each && r.scenario;
  return report::load_json(f, checked ? &*r.scenario : nullptr, checked ? &*r.each : nullptr,
                           r.capture);
}

}  // namespace

void add_load_options(CLI::App& run, LoadArgs& o) {
  run.add_option("--calls", o.calls,
                 "Load: play the ladder as this many calls (one ladder, roles the harness plays)");
  run.add_option("--rate", o.rate,
                 "Load: calls started per second, R or a ramp R:R2 over --duration (default 10)");
  run.add_option("--duration", o.duration, "Load: stop starting calls after this (e.g. 60s)");
  run.add_option("--concurrency", o.concurrency, "Load: most calls in progress at once");
  run.add_option("--engines", o.engines, "Load: engine threads (default one per core)");
  run.add_flag("--progress", o.progress,
               "Load: the progress line also when standard error is not a terminal");
}

std::optional<int> run_if_load(const usecase::RunRequest& request, const LoadArgs& a,
                               const std::string& json, const std::string& junit,
                               const usecase::Hooks& hooks) {
  if (a.calls == 0 && a.duration.empty()) {
    if (!a.rate.empty() || a.concurrency != 0 || a.engines != 0) {
      std::fprintf(stderr, "ladder run: --rate, --concurrency and --engines are for a load run: "
                           "give --calls N or --duration D\n");
      return bad_input;
    }
    return std::nullopt;
  }
  if (request.scenarios.size() != 1) {
    std::fprintf(stderr, "ladder run: a load run plays one ladder, %zu were given\n",
                 request.scenarios.size());
    return bad_input;
  }
  if (request.no_capture) {
    std::fprintf(stderr, "ladder run: a load run is checked from its capture; drop --no-capture\n");
    return bad_input;
  }
  usecase::LoadRequest rq;
  rq.scenario = request.scenarios.front();
  rq.testbed = request.testbed;
  rq.out = request.out;
  rq.interface = request.interface;
  rq.step_timeout = request.step_timeout;
  rq.ring = request.ring;
  rq.calls = a.calls;
  rq.concurrency = a.concurrency;
  rq.engines = a.engines;
  if (!a.rate.empty()) {
    std::string_view v = a.rate;
    std::size_t colon = v.find(':');
    auto r1 = number(v.substr(0, colon));
    std::optional<double> r2;
    if (colon != std::string_view::npos) r2 = number(v.substr(colon + 1));
    if (!r1 || (colon != std::string_view::npos && !r2)) {
      std::fprintf(stderr, "ladder run: --rate: expected calls per second, R or R:R2, got '%s'\n",
                   a.rate.c_str());
      return bad_input;
    }
    rq.rate = *r1;
    rq.rate_end = r2;
  }
  if (!a.duration.empty()) {
    auto d = scenario::parse_duration(a.duration);
    if (!d || d->count() <= 0) {
      std::fprintf(stderr, "ladder run: --duration: expected a duration such as 60s, got '%s'\n",
                   a.duration.c_str());
      return bad_input;
    }
    rq.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  bool line = a.progress || ::isatty(2) != 0;
  auto progress = [line](const usecase::LoadProgress& p) {
    if (!line) return;
    double rate = p.elapsed_s > 0 ? static_cast<double>(p.started) / p.elapsed_s : 0;
    // Passed and failed as checked from the capture; in progress as the engines see it.
    std::fprintf(stderr,
                 "\r%6.1f s  %8.1f calls/s  passed %llu  failed %llu  in progress %llu  "
                 "capture drops %llu   ",
                 p.elapsed_s, rate, static_cast<unsigned long long>(p.passed),
                 static_cast<unsigned long long>(p.checked_failed),
                 static_cast<unsigned long long>(p.in_progress),
                 static_cast<unsigned long long>(p.kernel_drops));
    std::fflush(stderr);
  };
  usecase::LoadRunResult r = usecase::run_load(rq, hooks, progress);
  if (line) std::fprintf(stderr, "\n");
  if (r.each && r.scenario) print(report::render_each(*r.scenario, *r.each, r.capture));
  if (r.attempted > 0) print(load_lines(r));
  if (!r.error.empty()) std::fprintf(stderr, "ladder run: %s\n", r.error.c_str());
  if (r.outcome == usecase::Outcome::bad_input || r.outcome == usecase::Outcome::environment) {
    return exit_code(r.outcome);
  }
  std::string doc = load_json(r) + "\n";
  std::vector<report::JunitCase> cases;
  if (r.each && r.scenario) cases = report::each_junit_cases(*r.scenario, *r.each);
  report::JunitCase load_case;
  load_case.suite = "ladder." + (r.scenario ? r.scenario->name : std::string("load"));
  load_case.name = "load: " + std::to_string(r.attempted) + " calls, none unknown, none failed";
  load_case.seconds = r.seconds;
  load_case.passed = r.outcome == usecase::Outcome::passed;
  if (!load_case.passed) {
    load_case.failure_message = std::to_string(r.engine_failed) + " failed (engine), " +
                                std::to_string(r.unknown) + " unknown";
    load_case.failure_text = load_lines(r);
  }
  cases.push_back(load_case);
  std::string xml = report::junit_xml("ladder run --calls " + rq.scenario, cases);
  const std::pair<std::string, std::string> files[] = {
      {(std::filesystem::path(r.dir) / "report.json").string(), doc},
      {(std::filesystem::path(r.dir) / "junit.xml").string(), xml},
      {json, doc},
      {junit, xml}};
  for (const auto& [path, text] : files) {
    if (path.empty() || path == "report.json" || path == "junit.xml") continue;
    if (std::string e = write_file(path, text); !e.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", e.c_str());
      return environment;
    }
  }
  return exit_code(r.outcome);
}

}  // namespace ladder::cli
