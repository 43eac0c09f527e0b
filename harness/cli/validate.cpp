// `ladder validate FILE...`: every error of ladder and testbed files, with file:line:col.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scenario/scenario.h"

namespace ladder::cli {
namespace {

int run_validate(const std::vector<std::string>& files) {
  std::size_t bad = 0;
  for (const std::string& path : files) {
    scenario::FileCheck r = scenario::validate_file(path);
    for (const core::Diagnostic& d : r.diagnostics) std::fprintf(stderr, "%s\n", d.format().c_str());
    if (r.ok) std::printf("%s: ok\n", path.c_str());
    bad += !r.ok;
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
