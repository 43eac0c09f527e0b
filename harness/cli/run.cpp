// `ladder run SCENARIO... --testbed T`: parses, calls usecase::run, renders, exits. A folder
// (`ladder run DIR --tag X --shard I/N`) goes to cli/run_folder.cpp.
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "cli/run_folder.h"
#include "cli/run_load.h"
#include "report/report.h"
#include "usecase/usecase.h"

namespace ladder::cli {
namespace {

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_sigint(int) { g_interrupted = 1; }

struct RunArgs {
  usecase::RunRequest request;
  std::string json;
  std::string junit;
  std::string html;
  FolderOptions folder;
  LoadArgs load;
  bool all = false;  ///< list the failures that follow from a root failure
};

std::string summary(const usecase::RunResult& r) {
  std::size_t passed = 0;
  std::string rows;
  for (const usecase::LadderRun& l : r.ladders) {
    passed += l.verdict.passed;
    rows += std::string(l.verdict.passed ? "  PASSED  " : "  FAILED  ") + l.scenario.name + "  " +
            l.dir + "\n";
  }
  return "\n" + std::to_string(r.ladders.size()) + " scenarios: " + std::to_string(passed) +
         " passed, " + std::to_string(r.ladders.size() - passed) + " failed\n" + rows;
}

int run_all(const RunArgs& a) {
  std::signal(SIGINT, on_sigint);
  WarningPrinter warn;
  usecase::Hooks hooks{std::ref(warn), [] { return g_interrupted != 0; }};
  if (auto code = run_if_load(a.request, a.load, a.json, a.junit, hooks)) return *code;
  if (auto code = run_if_folder(a.request, a.folder, a.json, a.junit, hooks)) return *code;
  usecase::RunResult r = usecase::run(a.request, hooks, [&a](const usecase::LadderRun& l) {
    report::VerdictOptions vo;
    vo.title = l.source;
    vo.consequences = a.all;
    print(report::render_verdict(l.scenario, l.verdict, vo));
  });
  if (!r.error.empty()) std::fprintf(stderr, "ladder run: %s\n", r.error.c_str());
  if (r.outcome == usecase::Outcome::bad_input || r.outcome == usecase::Outcome::environment) {
    return exit_code(r.outcome);
  }
  std::vector<report::VerdictOf> verdicts;
  std::vector<report::JunitCase> cases;
  for (const usecase::LadderRun& l : r.ladders) {
    verdicts.push_back({&l.scenario, &l.verdict, l.source});
    cases.push_back(report::junit_case(l.scenario, l.verdict, l.scenario.name));
    cases.back().seconds = l.seconds;
  }
  const std::pair<std::string, std::string> files[] = {
      {a.json, report::verdicts_json(verdicts) + "\n"},
      {a.junit, report::junit_xml("ladder run", cases)}};
  for (const auto& [path, text] : files) {
    if (path.empty()) continue;
    if (std::string e = write_file(path, text); !e.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", e.c_str());
      return environment;
    }
  }
  if (!a.html.empty() && !r.ladders.empty()) {
    // One ladder: its page; several: each run directory has its own, F gets the first failed.
    const usecase::LadderRun* pick = &r.ladders.front();
    for (const usecase::LadderRun& l : r.ladders) {
      if (!l.verdict.passed) {
        pick = &l;
        break;
      }
    }
    std::error_code ec;
    std::filesystem::copy_file(std::filesystem::path(pick->dir) / "report.html", a.html,
                               std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      std::fprintf(stderr, "ladder run: %s: cannot write: %s\n", a.html.c_str(), ec.message().c_str());
      return environment;
    }
  }
  if (r.ladders.size() > 1) print(summary(r));
  return exit_code(r.outcome);
}

}  // namespace

Runner add_run(CLI::App& app) {
  auto a = std::make_shared<RunArgs>();
  usecase::RunRequest& rq = a->request;
  CLI::App* cmd = app.add_subcommand(
      "run", "Play ladders against a device under test, capture the wire, check it");
  cmd->add_option("scenarios", rq.scenarios,
                  "Ladder files (YAML), run one after another; or one folder: every ladder under "
                  "it (recursive, sorted by path), each in its own run directory, one summary at "
                  "the end, the exit code the worst of theirs")
      ->required();
  cmd->add_option("-t,--testbed", rq.testbed, "Testbed: where the roles live")->required();
  cmd->add_option("--out", rq.out,
                  "Run directory (default reports/<time>-<scenario>); for a folder, each "
                  "ladder's is OUT/<its path in the folder, without .yaml>");
  add_folder_options(*cmd, a->folder);
  add_load_options(*cmd, a->load);
  cmd->add_option("--json", a->json, "Also write every verdict as a JSON array to this file");
  cmd->add_option("--junit", a->junit,
                  "Also write JUnit XML for all scenarios to this file (a folder run: one "
                  "testsuite per ladder file, named by its path in the folder)");
  cmd->add_option("--html", a->html,
                  "Also copy the HTML report to this file (the first failed ladder's when "
                  "several ran; each run directory has its own report.html)");
  cmd->add_option("--interface", rq.interface, "Capture interface (default: the testbed's, or lo "
                  "for a loopback testbed, else any)");
  cmd->add_flag("--no-capture", rq.no_capture,
                "Do not capture; check the engine's own view of the messages (marked so)");
  cmd->add_flag("--all,-v", a->all, "List the failures that follow from a root failure under it");
  cmd->add_option("--step-timeout", rq.step_timeout, "Seconds to wait for each step (default 5)");
  cmd->add_option("--linger", rq.linger, "Seconds to keep capturing after the last step");
  cmd->add_option_function<std::string>(
         "--ring",
         [&rq](const std::string& v) {
           auto d = scenario::parse_duration(v);
           if (!d) throw CLI::ValidationError("--ring", "expected a duration such as 300ms, got '" + v + "'");
           rq.ring = *d;
         },
         "How long played roles ring before answering (e.g. 300ms; default: the testbed's, "
         "else 200ms)");
  return [a] { return run_all(*a); };
}

}  // namespace ladder::cli
