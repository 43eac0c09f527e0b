// `ladder list [DIR]`: the ladder library with names, summaries and tags.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "scenario/list.h"

namespace ladder::cli {
namespace {

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

Runner add_list(CLI::App& app) {
  auto dir = std::make_shared<std::string>("scenarios");
  CLI::App* cmd = app.add_subcommand("list", "List the ladder library with names and tags");
  cmd->add_option("dir", *dir, "Folder to search (default: scenarios)");
  return [dir] { return run_list(*dir); };
}

}  // namespace ladder::cli
