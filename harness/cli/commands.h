// The CLI's commands. Each registers its options on the app and runs when selected.
// Exit codes (DESIGN.md): 0 passed, 1 failed / not found, 2 usage or input error,
// 3 environment error. Only main() turns them into the process exit status.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace ladder::cli {

enum Exit : int { ok = 0, failed = 1, bad_input = 2, environment = 3 };

/// A command's run function: returns the exit code.
using Runner = std::function<int()>;

Runner add_show(CLI::App& app);
Runner add_check(CLI::App& app);
Runner add_validate(CLI::App& app);
Runner add_list(CLI::App& app);
Runner add_run(CLI::App& app);
Runner add_init(CLI::App& app);

}  // namespace ladder::cli
