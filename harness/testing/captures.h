// Test-only: where the shared real-world captures live. Needs LADDER_SOURCE_DIR (ladder_test
// defines it). Tests that use one must GTEST_SKIP() when it is absent: the shared folder is not
// part of the repository.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace ladder::testing {

/// LADDER_SOURCE_DIR "/../shared/captures/public/" + name, if that file exists.
inline std::optional<std::string> shared_capture(const std::string& name) {
  std::string path = std::string(LADDER_SOURCE_DIR) + "/../shared/captures/public/" + name;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return std::nullopt;
  return path;
}

}  // namespace ladder::testing
