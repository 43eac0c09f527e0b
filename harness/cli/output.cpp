#include "cli/output.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ladder::cli {

void WarningPrinter::operator()(const core::Diagnostic& d) {
  if (d.severity != core::Severity::warning || ++count_ <= max_) {
    std::fprintf(stderr, "%s\n", d.format().c_str());
  }
}

void WarningPrinter::finish(const std::string& who) const {
  if (count_ > max_) {
    std::fprintf(stderr, "%s: %zu more warnings not shown\n", who.c_str(), count_ - max_);
  }
}

std::string write_file(const std::string& path, const std::string& text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return "";
  }
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return path + ": cannot write: " + std::strerror(errno);
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  ok &= std::fclose(f) == 0;
  return ok ? "" : path + ": write failed: " + std::strerror(errno);
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

Exit exit_code(usecase::Outcome outcome) {
  switch (outcome) {
    case usecase::Outcome::passed: return ok;
    case usecase::Outcome::failed: return failed;
    case usecase::Outcome::bad_input: return bad_input;
    case usecase::Outcome::environment: return environment;
  }
  return environment;
}

}  // namespace ladder::cli
