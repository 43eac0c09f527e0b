// Test-only: what every CLI integration test names: the `ladder` binary under test (LADDER_BIN,
// set by ladder_cli_test) and the source tree (LADDER_SOURCE_DIR), plus the command runner.
#pragma once

#include <filesystem>
#include <string>

#include "testing/run_command.h"

namespace ladder::cli::testing {

namespace fs = std::filesystem;
using ladder::testing::Output;
using ladder::testing::run_command;

inline const std::string kLadder = LADDER_BIN;
inline const fs::path kSource = LADDER_SOURCE_DIR;

}  // namespace ladder::cli::testing
