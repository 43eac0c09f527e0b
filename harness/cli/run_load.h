// `ladder run LADDER --testbed T --calls N --rate R[:R2] [--concurrency C] [--duration D]`: the
// CLI half of a load run. CLI-private.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

#include "usecase/usecase.h"

namespace ladder::cli {

/// The options only a load run takes.
struct LoadArgs {
  std::uint64_t calls = 0;
  std::string rate;      ///< "R" or "R:R2"
  std::string duration;  ///< "60s"
  std::uint64_t concurrency = 0;
  unsigned engines = 0;
  bool progress = false;  ///< the progress line also when stderr is not a terminal
};

/// Adds --calls, --rate, --duration, --concurrency, --engines and --progress to `ladder run`.
void add_load_options(CLI::App& run, LoadArgs& options);

/// `ladder run` with --calls or --duration: plays the one ladder as load, prints the progress
/// line (a terminal, or --progress) and the report, writes `json` and `junit` when not empty,
/// and returns the exit code. Empty when neither option was given: not a load run.
std::optional<int> run_if_load(const usecase::RunRequest& request, const LoadArgs& options,
                               const std::string& json, const std::string& junit,
                               const usecase::Hooks& hooks);

}  // namespace ladder::cli
