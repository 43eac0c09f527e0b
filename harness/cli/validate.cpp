// `ladder validate FILE...` and `ladder list [DIR]`.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scenario/list.h"
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

int run_list(const std::string& dir) {
  scenario::ListResult r = scenario::list_scenarios(dir);
  for (const scenario::ScenarioInfo& s : r.scenarios) {
    std::string tags;
    for (const std::string& t : s.tags) tags += (tags.empty() ? "" : ",") + t;
    std::printf("%-48s %-36s %s%s\n", s.path.string().c_str(), s.name.c_str(),
                s.valid ? "" : "[INVALID] ", tags.c_str());
    if (!s.summary.empty()) std::printf("    %s\n", s.summary.c_str());
  }
  for (const core::Diagnostic& d : r.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
  if (r.scenarios.empty()) {
    std::fprintf(stderr, "ladder list: no ladder files under %s\n", dir.c_str());
    return bad_input;
  }
  return r.diagnostics.empty() ? ok : bad_input;
}

}  // namespace

Runner add_validate(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("validate", "Check ladder and testbed files for errors");
  cmd->add_option("files", *files, "YAML files")->required();
  return [files] { return run_validate(*files); };
}

Runner add_list(CLI::App& app) {
  auto dir = std::make_shared<std::string>("scenarios");
  CLI::App* cmd = app.add_subcommand("list", "List the ladder library with names and tags");
  cmd->add_option("dir", *dir, "Folder to search (default: scenarios)");
  return [dir] { return run_list(*dir); };
}

}  // namespace ladder::cli
