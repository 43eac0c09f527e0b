// Test-only: run a command line with a deadline and capture its output; a private temp folder.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ladder::testing {

struct Output {
  int status = -1;  ///< exit status; -1 when killed or not run
  std::string out;
};

/// Runs `command` through sh under timeout(1) (`seconds`), capturing stdout (append "2>&1" to
/// fold stderr in). A command that hangs is killed and reports status 124.
inline Output run_command(const std::string& command, int seconds = 60) {
  Output o;
  std::string cmd = "timeout " + std::to_string(seconds) + " sh -c '" + [&] {
    std::string quoted;
    for (char c : command) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return quoted;
  }() + "'";
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  int rc = pclose(p);
  o.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return o;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// A fresh folder per test, removed afterwards.
class TempDirTest : public ::testing::Test {
 protected:
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() / [] {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "ladder-" + std::to_string(::getpid()) + "-" + info->test_suite_name() +
                       "-" + info->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    return name;
  }();
  void SetUp() override { std::filesystem::create_directories(dir_); }
  void TearDown() override {
    // A failed test keeps its folder (captures, reports) for whoever reads the failure.
    if (HasFailure()) {
      std::fprintf(stderr, "kept %s for inspection\n", dir_.c_str());
      return;
    }
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path write(const std::string& name, const std::string& bytes) {
    std::filesystem::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

}  // namespace ladder::testing
