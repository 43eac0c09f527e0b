// Writing report files. CLI-private.
#pragma once

#include <string>

namespace ladder::cli {

/// Writes `text` to `path` ("-": standard output). Empty string on success, else the error.
std::string write_file(const std::string& path, const std::string& text);

}  // namespace ladder::cli
