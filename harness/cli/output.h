// What the CLI writes: the terminal, report files, warnings, and exit codes. CLI-private.
#pragma once

#include <cstddef>
#include <string>

#include "cli/commands.h"
#include "core/core.h"
#include "usecase/usecase.h"

namespace ladder::cli {

/// Prints diagnostics to stderr: every error, and the first `max` warnings; then says how many
/// warnings it held back.
class WarningPrinter {
 public:
  explicit WarningPrinter(std::size_t max = 20) : max_(max) {}
  void operator()(const core::Diagnostic& d);
  /// "WHO: N more warnings not shown", when any were held back.
  void finish(const std::string& who) const;

 private:
  std::size_t max_;
  std::size_t count_ = 0;
};

/// Writes `text` to `path` ("-": standard output). Empty string on success, else the error.
std::string write_file(const std::string& path, const std::string& text);

/// Writes `text` to standard output and flushes it.
void print(const std::string& text);

/// DESIGN.md's exit code for a use case's outcome.
Exit exit_code(usecase::Outcome outcome);

}  // namespace ladder::cli
