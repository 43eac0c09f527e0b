// Loading ladder and testbed files, with every diagnostic found.
//
// Loading never throws and never exits: it returns the model (when there were no errors) and
// every diagnostic found, several per file. Diagnostic::message is one summary line, then the
// offending source line and a caret under the column, clang style:
//
//   scenarios/basic/call.yaml:12:14: error: unknown key 'form' in step F3; did you mean 'from'?
//      12 |   - {id: F3, form: B, to: P, response: 180}
//         |              ^
//
// so Diagnostic::format() prints what a terminal user wants; machine consumers keep the first
// line (summary_line()). A very long source line is echoed as a window around the caret.
// yaml-cpp stays inside this module's .cpp files.
//
// Threading: pure functions; each call owns everything it reads and returns. Calls on different
// files may run on different threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "scenario/model.h"
#include "scenario/testbed.h"

namespace ladder::scenario {

struct LoadResult {
  std::optional<Scenario> scenario;  ///< set when there were no errors (warnings allowed)
  std::vector<core::Diagnostic> diagnostics;
  bool ok() const { return scenario.has_value(); }
};

struct TestbedResult {
  std::optional<Testbed> testbed;
  std::vector<core::Diagnostic> diagnostics;
  bool ok() const { return testbed.has_value(); }
};

/// Reads and validates a ladder file. `path` appears in diagnostics as given.
LoadResult load_scenario(const std::string& path);
/// Same, from text; `name` stands for the file name in diagnostics and Scenario::source.
LoadResult load_scenario_text(std::string_view text, std::string name);

TestbedResult load_testbed(const std::string& path);
TestbedResult load_testbed_text(std::string_view text, std::string name);

/// The first line of a diagnostic message (without the source excerpt).
std::string_view summary_line(const core::Diagnostic& d);

}  // namespace ladder::scenario
