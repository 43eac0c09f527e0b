// `ladder run SCENARIO... --testbed T`: plays each ladder against the DUT with the engine,
// captures the wire, and checks the capture (not the engine's view) with the checker.
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "checker/checker.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "cli/observed.h"
#include "cli/run_capture.h"
#include "engine/engine.h"
#include "report/report.h"
#include "scenario/scenario.h"

namespace ladder::cli {
namespace {

namespace fs = std::filesystem;

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }

struct RunArgs {
  std::vector<std::string> scenarios;
  std::string testbed;
  std::string out;
  std::string json;
  std::string junit;
  std::string interface;
  bool no_capture = false;
  double step_timeout = 5.0;
  double linger = 0.5;
};

struct Outcome {
  std::string name;
  bool passed = false;
  bool interrupted = false;
  std::string dir;
  report::JunitCase junit;
  std::string json;
};

std::string stamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

// One scenario: play, capture, check, report. Returns an exit code for environment and input
// errors; fills `out` otherwise.
int run_one(const RunArgs& a, const std::string& path, const scenario::Testbed& testbed,
            const fs::path& dir, Outcome& out) {
  scenario::LoadResult loaded = scenario::load_scenario(path);
  for (const auto& d : loaded.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (!loaded.ok()) return bad_input;
  const scenario::Scenario& sc = *loaded.scenario;
  auto binding = scenario::check_binding(sc, testbed);
  for (const auto& d : binding) std::fprintf(stderr, "%s\n", d.format().c_str());
  for (const auto& d : binding) {
    if (d.severity == core::Severity::error) return bad_input;
  }
  out.name = sc.name;
  out.dir = dir.string();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "ladder run: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return environment;
  }

  // The capture starts before the first message and is served by the engine's loop.
  std::unique_ptr<RunCapture> capture;
  engine::EngineOptions eo;
  eo.step_timeout = std::chrono::milliseconds(static_cast<long>(a.step_timeout * 1000));
  eo.linger = std::chrono::milliseconds(static_cast<long>(a.linger * 1000));
  eo.stop_requested = [] { return g_interrupted != 0; };
  fs::path pcap = dir / "capture.pcap";
  if (!a.no_capture) {
    auto opened = RunCapture::open(testbed, a.interface, pcap.string());
    if (!opened) {
      std::fprintf(stderr, "ladder run: %s\n(or run with --no-capture to check the engine's own "
                   "view of the messages)\n", opened.error().c_str());
      return environment;
    }
    capture = std::move(*opened);
    eo.pollers.push_back({capture->fd(), [c = capture.get()] { c->drain(); }});
  }

  auto played = engine::play(sc, testbed, eo);
  if (!played) {
    std::fprintf(stderr, "ladder run: %s: %s\n", sc.name.c_str(), played.error().c_str());
    return environment;
  }
  const engine::EngineResult& r = *played;

  std::vector<sip::WireMessage> observed;
  std::string source;
  if (capture) {
    std::string error = capture->finish();
    if (!error.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", error.c_str());
      return environment;
    }
    auto read = read_observed(pcap.string(), "");
    if (!read) {
      std::fprintf(stderr, "ladder run: %s\n", read.error().c_str());
      return environment;
    }
    observed = std::move(read->messages);
    source = pcap.string();
  } else {
    for (const sip::WireMessage& o : r.seen) {
      observed.push_back(o.copy());
    }
    source = "the engine's own view (--no-capture)";
  }

  checker::CheckOptions co;
  co.roles = r.roles;
  co.bindings = r.bindings;
  bool registers = false;
  for (const scenario::TestbedRole& role : testbed.roles) {
    if (role.record_route) co.record_route = role.record_route;
    registers |= role.registers;
  }
  bool ladder_registers = false;
  for (const scenario::Step& st : sc.steps) ladder_registers |= st.method == "REGISTER";
  // The testbed's own registrations (before the flow, and un-registering after it) are set-up,
  // not part of the flow under test.
  if (registers && !ladder_registers) co.tolerated_methods.push_back("REGISTER");
  checker::Verdict v = checker::check(sc, observed, co);
  if (!capture) v.notes.push_back("checked from the engine's own view, not from a capture");
  if (capture) {
    RunCapture::Stats s = capture->stats();
    v.notes.push_back("capture: " + pcap.string() + " on " + capture->interface() + ", " +
                      std::to_string(s.frames) + " frames, " + std::to_string(s.dropped) +
                      " dropped by the kernel");
  }
  for (const std::string& e : r.errors) {
    checker::Failure f;
    f.kind = "engine";
    f.message = "engine: " + e;
    v.failures.push_back(f);
  }
  out.interrupted = g_interrupted != 0;
  if (out.interrupted) {
    checker::Failure f;
    f.kind = "engine";
    f.message = "interrupted (Ctrl-C): the run stopped before the ladder was complete";
    v.failures.push_back(f);
  }
  v.passed = v.passed && r.completed && !out.interrupted;

  report::VerdictOptions vo;
  vo.title = source;
  std::string text = report::render_verdict(sc, v, vo);
  print(text);
  out.passed = v.passed;
  out.json = report::verdict_json(sc, v, source);
  out.junit = report::junit_case(sc, v, sc.name);
  const std::pair<const char*, std::string> files[] = {
      {"ladder.txt", text},
      {"report.json", out.json + "\n"},
      {"junit.xml", report::junit_xml("ladder run", {out.junit})}};
  for (const auto& [name, body] : files) {
    if (auto e = write_file((dir / name).string(), body); !e.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", e.c_str());
      return environment;
    }
  }
  return ok;
}

int run_all(const RunArgs& a) {
  scenario::TestbedResult tb = scenario::load_testbed(a.testbed);
  for (const auto& d : tb.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (!tb.ok()) return bad_input;
  std::signal(SIGINT, on_sigint);

  std::vector<Outcome> outcomes;
  std::string base = a.out.empty() ? "reports/" + stamp() : a.out;
  for (const std::string& path : a.scenarios) {
    if (g_interrupted) break;
    std::string name = fs::path(path).stem().string();
    fs::path dir = a.out.empty() ? fs::path(base + "-" + name)
                   : a.scenarios.size() == 1 ? fs::path(base) : fs::path(base) / name;
    Outcome o;
    int rc = run_one(a, path, *tb.testbed, dir, o);
    if (rc != ok) return rc;
    outcomes.push_back(std::move(o));
  }
  std::size_t passed = 0;
  std::vector<report::JunitCase> cases;
  std::string json = "[\n";
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    passed += outcomes[i].passed;
    cases.push_back(outcomes[i].junit);
    json += outcomes[i].json + (i + 1 < outcomes.size() ? ",\n" : "\n");
  }
  json += "]\n";
  if (!a.json.empty()) {
    if (auto e = write_file(a.json, json); !e.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", e.c_str());
      return environment;
    }
  }
  if (!a.junit.empty()) {
    if (auto e = write_file(a.junit, report::junit_xml("ladder run", cases)); !e.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", e.c_str());
      return environment;
    }
  }
  if (outcomes.size() > 1) {
    std::string summary = "\n" + std::to_string(outcomes.size()) + " scenarios: " +
                          std::to_string(passed) + " passed, " +
                          std::to_string(outcomes.size() - passed) + " failed\n";
    for (const Outcome& o : outcomes) {
      summary += std::string(o.passed ? "  PASSED  " : "  FAILED  ") + o.name + "  " + o.dir + "\n";
    }
    print(summary);
  }
  if (g_interrupted) return failed;
  return passed == outcomes.size() && !outcomes.empty() ? ok : failed;
}

}  // namespace

Runner add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand(
      "run", "Play ladders against a device under test, capture the wire, check it");
  cmd->add_option("scenarios", a->scenarios, "Ladder files (YAML), run one after another")
      ->required();
  cmd->add_option("-t,--testbed", a->testbed, "Testbed: where the roles live")->required();
  cmd->add_option("--out", a->out, "Run directory (default reports/<time>-<scenario>)");
  cmd->add_option("--json", a->json, "Also write every verdict as a JSON array to this file");
  cmd->add_option("--junit", a->junit, "Also write JUnit XML for all scenarios to this file");
  cmd->add_option("--interface", a->interface, "Capture interface (default: the testbed's, or lo "
                  "for a loopback testbed, else any)");
  cmd->add_flag("--no-capture", a->no_capture,
                "Do not capture; check the engine's own view of the messages (marked so)");
  cmd->add_option("--step-timeout", a->step_timeout, "Seconds to wait for each step (default 5)");
  cmd->add_option("--linger", a->linger, "Seconds to keep capturing after the last step");
  return [a] { return run_all(*a); };
}

}  // namespace ladder::cli
