// `ladder list [DIR] [--format text|cmake]`: the ladder library with names, summaries and tags.
// `--format cmake` is for ladder_add_tests (cmake/ladderAddTests.cmake): a script of set()
// commands, so CMake reads the tags without parsing YAML.
#include "scenario/list.h"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/commands.h"

namespace ladder::cli {
namespace {

namespace fs = std::filesystem;

struct ListArgs {
  std::string dir;  ///< empty: scenarios/ here, else the installed library
  std::string format = "text";
};

// The library installed beside the binary: PREFIX/bin/ladder -> PREFIX/share/ladder/scenarios.
// Found from /proc/self/exe, so an installed tree can be moved (or unpacked anywhere).
fs::path installed_scenarios() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return {};
  return exe.parent_path().parent_path() / "share" / "ladder" / "scenarios";
}

// A CMake bracket argument that holds `s` whatever it contains.
std::string bracket(const std::string& s) {
  std::string eq;
  while (s.find("]" + eq + "]") != std::string::npos) eq += '=';
  return "[" + eq + "[" + s + "]" + eq + "]";
}

std::string cmake_list(const fs::path& dir, const scenario::ListResult& r) {
  std::string out = "# ladder list " + dir.string() + " --format cmake\n";
  out += "set(LADDER_LIST_COUNT " + std::to_string(r.scenarios.size()) + ")\n";
  std::size_t i = 0;
  for (const scenario::ScenarioInfo& s : r.scenarios) {
    std::string tags;
    for (const std::string& t : s.tags) tags += (tags.empty() ? "" : ";") + t;
    std::string v = "set(LADDER_LIST_" + std::to_string(i++) + "_";
    out += v + "FILE " + bracket(fs::absolute(s.path).lexically_normal().string()) + ")\n";
    out += v + "RELATIVE " + bracket(s.path.lexically_relative(dir).generic_string()) + ")\n";
    out += v + "NAME " + bracket(s.name) + ")\n";
    out += v + "TAGS " + bracket(tags) + ")\n";
    out += v + "VALID " + (s.valid ? "TRUE" : "FALSE") + ")\n";
  }
  return out;
}

int run_list(const ListArgs& a) {
  fs::path dir = a.dir;
  std::error_code ec;
  if (dir.empty()) {
    dir = "scenarios";
    if (!fs::is_directory(dir, ec) && fs::is_directory(installed_scenarios(), ec)) {
      dir = installed_scenarios();
    }
  }
  dir = dir.lexically_normal();  // "scenarios/./" -> "scenarios/" -> "scenarios"
  if (dir.filename().empty() && dir.has_parent_path()) dir = dir.parent_path();
  scenario::ListResult r = scenario::list_scenarios(dir);
  if (a.format == "cmake") {
    std::fputs(cmake_list(dir, r).c_str(), stdout);
  } else {
    for (const scenario::ScenarioInfo& s : r.scenarios) {
      std::string tags;
      for (const std::string& t : s.tags) tags += (tags.empty() ? "" : ",") + t;
      std::printf("%-48s %-36s %s%s\n", s.path.string().c_str(), s.name.c_str(),
                  s.valid ? "" : "[INVALID] ", tags.c_str());
      if (!s.summary.empty()) std::printf("    %s\n", s.summary.c_str());
    }
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
  auto a = std::make_shared<ListArgs>();
  CLI::App* cmd = app.add_subcommand("list", "List the ladder library with names and tags");
  cmd->add_option("dir", a->dir,
                  "Folder to search (default: scenarios/ here, else the installed library)");
  cmd->add_option("--format", a->format,
                  "text (default), or cmake: set() commands for ladder_add_tests")
      ->check(CLI::IsMember({"text", "cmake"}));
  return [a] { return run_list(*a); };
}

}  // namespace ladder::cli
