// The library of ladders under a directory (`ladder list`). Only the CLI needs this, so it stays
// out of scenario.h and keeps <filesystem> out of every other module.
//
// Threading: list_scenarios reads the file system and returns values; no shared state.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/core.h"

namespace ladder::scenario {

struct ScenarioInfo {
  std::filesystem::path path;
  std::string name;
  std::string summary;
  std::vector<std::string> tags;
  bool valid = false;  ///< loaded without errors
};

struct ListResult {
  std::vector<ScenarioInfo> scenarios;        ///< sorted by path
  std::vector<core::Diagnostic> diagnostics;  ///< of the files that did not load
};

/// Every *.yaml / *.yml under dir (recursive) that is a ladder (has `steps:`), loaded and
/// summarised. Testbed files (with `roles:` as a map of bindings and no `steps:`) are skipped.
ListResult list_scenarios(const std::filesystem::path& dir);

}  // namespace ladder::scenario
