// `ladder run DIR --testbed T [--tag X]... [--shard I/N]`: the CLI half of a folder run.
// CLI-private.
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "usecase/folder.h"

namespace ladder::cli {

/// The options only a folder run takes.
struct FolderOptions {
  std::vector<std::string> tags;  ///< any of them
  std::string shard;              ///< "I/N", empty: all
};

/// Adds --tag and --shard to `ladder run`.
void add_folder_options(CLI::App& run, FolderOptions& options);

/// `ladder run` given one folder: selects, runs each ladder, prints each verdict and one summary
/// at the end, writes `json` and `junit` when not empty, and returns the exit code (the worst of
/// the ladders'). Empty when `request` names ladder files and no folder option was given: a
/// plain run. A usage error (a folder among files, --tag without a folder, a bad --shard) is 2.
std::optional<int> run_if_folder(const usecase::RunRequest& request, const FolderOptions& options,
                                 const std::string& json, const std::string& junit,
                                 const usecase::Hooks& hooks);

}  // namespace ladder::cli
