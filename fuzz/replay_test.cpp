// Replays a fuzz target's committed corpus (fuzz/corpus/TARGET) through its libFuzzer entry, in
// every build: GCC, where libFuzzer cannot be built, and the sanitizer builds, which then check
// every seed and every past reproducer for memory errors, leaks and undefined behaviour.
// Compiled once per target (cmake/fuzz.cmake) with LADDER_FUZZ_CORPUS and LADDER_FUZZ_TARGET.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

#define LADDER_STR2(x) #x
#define LADDER_STR(x) LADDER_STR2(x)

std::vector<std::filesystem::path> corpus_files() {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(LADDER_FUZZ_CORPUS, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<std::uint8_t> read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The suite is the target's name, so that ctest names are unique across the targets.
TEST(LADDER_FUZZ_TARGET, ReplaysEveryCommittedInput) {
  const auto files = corpus_files();
  ASSERT_FALSE(files.empty()) << "no corpus for " LADDER_STR(LADDER_FUZZ_TARGET) " in "
                              << LADDER_FUZZ_CORPUS;
  for (const auto& path : files) {
    SCOPED_TRACE(path.string());
    std::vector<std::uint8_t> input = read_all(path);
    // libFuzzer never passes a null pointer for an empty input; neither do we.
    input.reserve(1);
    EXPECT_EQ(LLVMFuzzerTestOneInput(input.data(), input.size()), 0);
  }
}

// The corpus stays small enough to commit and to replay in every build.
TEST(LADDER_FUZZ_TARGET, StaysSmall) {
  std::uintmax_t total = 0;
  for (const auto& path : corpus_files()) total += std::filesystem::file_size(path);
  EXPECT_LT(total, 256u * 1024u) << LADDER_FUZZ_CORPUS;
}

}  // namespace
