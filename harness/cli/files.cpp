#include "cli/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace ladder::cli {

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

}  // namespace ladder::cli
