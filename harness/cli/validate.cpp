// `ladder validate FILE...`: every error of ladder and testbed files, with file:line:col.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scenario/scenario.h"

namespace ladder::cli {
namespace {

// A file with top-level `steps:` is a ladder, else a testbed.
bool is_ladder(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return true;  // let the ladder loader report the error
  char line[4096];
  bool steps = false;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::string(line).rfind("steps:", 0) == 0) steps = true;
  }
  std::fclose(f);
  return steps;
}

int run_validate(const std::vector<std::string>& files) {
  std::size_t bad = 0;
  for (const std::string& path : files) {
    std::vector<core::Diagnostic> ds;
    bool ok;
    if (is_ladder(path)) {
      auto r = scenario::load_scenario(path);
      ds = r.diagnostics;
      ok = r.ok();
    } else {
      auto r = scenario::load_testbed(path);
      ds = r.diagnostics;
      ok = r.ok();
    }
    for (const core::Diagnostic& d : ds) std::fprintf(stderr, "%s\n", d.format().c_str());
    if (ok) std::printf("%s: ok\n", path.c_str());
    bad += !ok;
  }
  if (bad) std::fprintf(stderr, "ladder validate: %zu of %zu files have errors\n", bad, files.size());
  return bad ? bad_input : ok;
}

}  // namespace

Runner add_validate(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("validate", "Check ladder and testbed files for errors");
  cmd->add_option("files", *files, "YAML files")->required();
  return [files] { return run_validate(*files); };
}

}  // namespace ladder::cli
