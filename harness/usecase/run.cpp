// `ladder run`: each ladder played against the DUT by the engine, the wire captured, the capture
// (not the engine's view) checked, and the run directory written.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include <unistd.h>

#include "engine/engine.h"
#include "parts/parts.h"
#include "report/report.h"
#include "usecase/infer.h"
#include "usecase/run_capture.h"
#include "usecase/run_dir.h"
#include "usecase/usecase.h"

namespace ladder::usecase {
namespace {

namespace fs = std::filesystem;

// Empty string on success, else the error.
std::string write_text(const fs::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  if (f) f << text;
  f.close();
  if (!f) return "cannot write " + path.string();
  return {};
}

checker::Failure engine_failure(std::string message) {
  checker::Failure f;
  f.kind = core::FailureKind::engine;
  f.message = std::move(message);
  return f;
}

report::JunitCase junit_case(const LadderRun& run) {
  report::JunitCase c = report::junit_case(run.scenario, run.verdict, run.scenario.name);
  c.seconds = run.seconds;
  return c;
}

// The reports directory a run directory sits in: the nearest parent named "reports", at most
// five up (reports/<time>-<ladder>, reports/<run>/<ladder>, a folder run's
// reports/<time>-<folder>/<path>/<ladder>). None for a run directory placed elsewhere: the index
// is not written into folders ladder does not own.
std::optional<fs::path> reports_dir(const fs::path& dir) {
  fs::path p = dir.lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  for (int up = 0; up < 5 && p.has_parent_path(); ++up) {
    p = p.parent_path();
    if (p.filename() == "reports") return p;
  }
  return std::nullopt;
}

struct Failed {
  Outcome outcome;
  std::string error;
};

// One ladder: play, capture, check, write its directory.
std::expected<LadderRun, Failed> run_one(const RunRequest& rq, const std::string& path,
                                         const scenario::Testbed& testbed, const fs::path& dir,
                                         const Hooks& hooks) {
  auto started = std::chrono::steady_clock::now();
  scenario::LoadResult loaded = scenario::load_scenario(path);
  std::vector<core::Diagnostic> ds = std::move(loaded.diagnostics);
  if (loaded.ok()) {
    auto binding = scenario::check_binding(*loaded.scenario, testbed);
    ds.insert(ds.end(), binding.begin(), binding.end());
  }
  bool bad = !loaded.ok();
  for (const core::Diagnostic& d : ds) {
    if (hooks.diagnostic) hooks.diagnostic(d);
    bad |= d.severity == core::Severity::error;
  }
  if (bad) return std::unexpected(Failed{Outcome::bad_input, {}});
  LadderRun out{std::move(*loaded.scenario), {}, dir.string(), {}, false, 0};
  const scenario::Scenario& sc = out.scenario;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return std::unexpected(
        Failed{Outcome::environment, "cannot create " + dir.string() + ": " + ec.message()});
  }

  // The capture starts before the first message and is served by the engine's loop.
  std::unique_ptr<RunCapture> capture;
  engine::EngineOptions eo;
  eo.step_timeout = std::chrono::milliseconds(static_cast<long>(rq.step_timeout * 1000));
  eo.linger = std::chrono::milliseconds(static_cast<long>(rq.linger * 1000));
  if (rq.ring) eo.ring = std::chrono::duration_cast<std::chrono::milliseconds>(*rq.ring);
  eo.stop_requested = hooks.stop_requested;
  eo.sofia_log = (dir / "sofia.log").string();  // Sofia's own lines: never the terminal
  fs::path pcap = dir / "capture.pcap";
  if (!rq.no_capture) {
    auto opened = RunCapture::open(testbed, rq.interface, pcap.string());
    if (!opened) {
      return std::unexpected(Failed{Outcome::environment,
                                    opened.error() + "\n(or run with --no-capture to check the "
                                                     "engine's own view of the messages)"});
    }
    capture = std::move(*opened);
    eo.pollers.push_back({capture->fd(), [c = capture.get()] { c->drain(); }});
    eo.on_bound = [c = capture.get()](const scenario::RoleMap& roles) { c->narrow(roles); };
    // A handset driven by a driver is followed on the wire as the capture sees it.
    bool driven = std::any_of(testbed.roles.begin(), testbed.roles.end(),
                              [](const scenario::TestbedRole& r) { return r.driver.has_value(); });
    if (driven) {
      capture->decode_live();
      eo.take_wire = [c = capture.get()] {
        c->drain();
        return c->take_messages();
      };
    }
  }

  auto played = engine::play(sc, testbed, eo);
  if (!played) return std::unexpected(Failed{Outcome::environment, sc.name + ": " + played.error()});
  const engine::EngineResult& r = *played;
  // A DUT that refused the very first message is not a failed device: nothing was tested.
  if (r.unreachable) {
    if (capture) (void)capture->finish();
    return std::unexpected(Failed{Outcome::environment, sc.name + ": " + *r.unreachable});
  }

  std::vector<sip::WireMessage> observed;
  if (capture) {
    if (std::string error = capture->finish(); !error.empty()) {
      return std::unexpected(Failed{Outcome::environment, error});
    }
    auto read = read_capture(pcap.string(), "", hooks);
    if (!read) return std::unexpected(Failed{Outcome::environment, read.error()});
    observed = std::move(read->messages);
    out.source = pcap.string();
  } else {
    for (const sip::WireMessage& o : r.seen) observed.push_back(o.copy());
    out.source = "the engine's own view (--no-capture)";
  }

  checker::CheckOptions co = options_for(sc, testbed);
  co.roles = r.roles;  // with the ports the played roles really got
  co.bindings = r.bindings;
  checker::Verdict v = checker::check(sc, observed, co);
  // As `check` does: attributes nobody gave are read back where the ladder pins them; what
  // cannot be read is an input error, not a failed device (issue 12).
  Inference inferred = infer_role_attributes(v, co.bindings);
  if (!inferred.values.empty() && inferred.missing.empty()) {
    apply(inferred, co.bindings);
    v = checker::check(sc, observed, co);
    for (std::string& n : inferred.notes) v.notes.push_back("inferred " + n);
    inferred = infer_role_attributes(v, co.bindings);
  }
  if (!inferred.missing.empty()) {
    return std::unexpected(
        Failed{Outcome::bad_input, missing_attributes_error(inferred.missing, sc.source)});
  }
  if (capture) {
    RunCapture::Stats s = capture->stats();
    v.notes.push_back("capture: " + pcap.string() + " on " + capture->interface() + ", " +
                      std::to_string(s.frames) + " frames, " + std::to_string(s.dropped) +
                      " dropped by the kernel");
  } else {
    v.notes.push_back("checked from the engine's own view, not from a capture");
  }
  // The wire decides, but a run whose engine gave up did not do what the ladder says.
  for (std::size_t i = 0; i < r.errors.size(); ++i) {
    checker::Failure f = engine_failure("engine: " + r.errors[i]);
    // The engine gave up waiting for a step the check found missing: that says it again. A
    // driver's line says more (which command went unanswered, and when): it stays a root.
    if (r.stuck_step && r.unseen_error == i) checker::follows_from(v, *r.stuck_step, f);
    v.failures.push_back(std::move(f));
  }
  out.interrupted = hooks.stop_requested && hooks.stop_requested();
  if (out.interrupted) {
    v.failures.push_back(
        engine_failure("interrupted (Ctrl-C): the run stopped before the ladder was complete"));
  }
  v.notes.push_back("testbed: " + rq.testbed);  // the run index shows it
  v.passed = v.passed && r.completed && !out.interrupted;
  v.driver_events = r.driver_events;
  out.verdict = std::move(v);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  report::VerdictOptions vo;
  vo.title = out.source;
  vo.consequences = true;  // a file is read at leisure: every consequence under its root
  const std::pair<const char*, std::string> files[] = {
      {"ladder.txt", report::render_verdict(sc, out.verdict, vo)},
      {"report.json", report::verdict_json(sc, out.verdict, out.source) + "\n"},
      {"junit.xml", report::junit_xml("ladder run", {junit_case(out)})},
      {"report.html", report::verdict_html({.scenario = &sc,
                                            .verdict = &out.verdict,
                                            .messages = observed,
                                            .capture = out.source,
                                            .capture_link = capture ? "capture.pcap" : "",
                                            .title = {}})}};
  for (const auto& [name, body] : files) {
    if (std::string e = write_text(dir / name, body); !e.empty()) {
      return std::unexpected(Failed{Outcome::environment, e});
    }
  }
  return out;
}

// The prompt driver (also as a fallback) asks the operator at the terminal.
std::string needs_terminal(const scenario::Testbed& testbed) {
  for (const scenario::TestbedRole& r : testbed.roles) {
    if (!r.driver) continue;
    auto fb = r.driver->options.find("fallback");
    if (r.driver->kind == scenario::DriverKind::prompt ||
        (fb != r.driver->options.end() && fb->second == "prompt")) {
      return r.id;
    }
  }
  return {};
}

std::string started_note(const parts::Part& p) {
  std::string s = "role " + p.role + ": " + std::string(scenario::to_string(p.kind)) +
                  " started (pid " + std::to_string(p.process.pid()) + ") on " +
                  p.address.to_string();
  if (p.control) s += ", control " + p.control->to_string();
  return s + "; log " + p.log;
}

}  // namespace

RunResult run(const RunRequest& rq, const Hooks& hooks,
              const std::function<void(const LadderRun&)>& on_ladder) {
  RunResult result;
  scenario::TestbedResult tb = scenario::load_testbed(rq.testbed);
  if (hooks.diagnostic) {
    for (const core::Diagnostic& d : tb.diagnostics) hooks.diagnostic(d);
  }
  if (!tb.ok()) return result;
  auto stop = [&] { return hooks.stop_requested && hooks.stop_requested(); };
  scenario::Testbed testbed = std::move(*tb.testbed);
  if (std::string role = needs_terminal(testbed); !role.empty() && ::isatty(0) == 0) {
    result.outcome = Outcome::environment;
    result.error = testbed.source + ": role " + role +
                   " asks the operator at the terminal (driver prompt), but standard input is "
                   "not a terminal; run ladder from a terminal, or give the role a driver that "
                   "needs no operator";
    return result;
  }

  std::string base = rq.out.empty() ? default_run_dir() : rq.out;
  auto dir_of = [&](const std::string& path) {
    std::string name = fs::path(path).stem().string();
    return rq.out.empty()             ? fs::path(base + "-" + name)
           : rq.scenarios.size() == 1 ? fs::path(base)
                                      : fs::path(base) / name;
  };
  // Parts the testbed starts itself serve every ladder of the run; their logs go in the run
  // directory. The Bench stops them when this returns: at the end, on failure, on Ctrl-C.
  parts::Bench bench;
  if (parts::starts_anything(testbed) && !rq.scenarios.empty()) {
    parts::StartOptions po;
    po.dir = (rq.scenarios.size() == 1 ? dir_of(rq.scenarios.front())
              : rq.out.empty()         ? fs::path(base + "-parts")
                                       : fs::path(base))
                 .string();
    po.stop_requested = hooks.stop_requested;
    auto started = parts::Bench::start(testbed, po);
    if (!started) {
      // Ctrl-C while a part was starting is an interruption like any other, not a fault of
      // the machine.
      result.interrupted = stop();
      result.outcome = result.interrupted ? Outcome::failed : Outcome::environment;
      result.error = testbed.source + ": " + started.error();
      return result;
    }
    bench = std::move(*started);
    for (const auto& p : bench.parts()) {
      if (hooks.diagnostic)
        hooks.diagnostic({core::Severity::note, testbed.source, started_note(*p)});
    }
    testbed = bench.apply(std::move(testbed));
  }

  for (const std::string& path : rq.scenarios) {
    if (stop()) break;
    fs::path dir = dir_of(path);
    auto one = run_one(rq, path, testbed, dir, hooks);
    if (!one) {
      result.outcome = one.error().outcome;
      result.error = one.error().error;
      return result;
    }
    if (auto reports = reports_dir(dir)) {
      if (std::string e = report::write_index(reports->string()); !e.empty()) {
        one->verdict.notes.push_back("run index not written: " + e);
      }
    }
    if (on_ladder) on_ladder(*one);
    result.ladders.push_back(std::move(*one));
  }
  result.interrupted = stop();
  if (result.interrupted && result.ladders.size() < rq.scenarios.size()) {
    result.error = "interrupted (Ctrl-C): " + std::to_string(result.ladders.size()) + " of " +
                   std::to_string(rq.scenarios.size()) + " ladders ran";
  }
  bool all = !result.ladders.empty() &&
             std::all_of(result.ladders.begin(), result.ladders.end(),
                         [](const LadderRun& l) { return l.verdict.passed; });
  result.outcome = all && !result.interrupted ? Outcome::passed : Outcome::failed;
  return result;
}

std::string default_run_dir(std::string_view name) {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
  std::string dir = std::string("reports/") + buf;
  if (!name.empty()) dir += "-" + std::string(name);
  return dir;
}

}  // namespace ladder::usecase
