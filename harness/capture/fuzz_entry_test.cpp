// Keeps the libFuzzer entry (fuzz_decoder.cpp) compiled and exercised in GCC builds, where the
// fuzzer itself cannot be built: replays random and structured inputs through it.
#include <gtest/gtest.h>

#include <random>

#include "testing/packets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace ladder::testing;

TEST(FuzzEntry, RandomInputs) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> input(rng() % 600);
    for (auto& b : input) b = static_cast<std::uint8_t>(rng());
    EXPECT_EQ(LLVMFuzzerTestOneInput(input.data(), input.size()), 0);
  }
}

TEST(FuzzEntry, StructuredInputWithBitFlips) {
  Bytes frame = ethernet(ipv4("10.0.0.1", "10.0.0.2", kTcp,
                              tcp(5060, 5060, 1, sip_request("INVITE", "fz", "v=0\r\n"))));
  std::vector<std::uint8_t> input = {1, static_cast<std::uint8_t>(frame.size() >> 8),
                                     static_cast<std::uint8_t>(frame.size())};
  input.insert(input.end(), frame.begin(), frame.end());
  for (std::size_t bit = 0; bit < input.size() * 8; bit += 3) {
    auto copy = input;
    copy[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    EXPECT_EQ(LLVMFuzzerTestOneInput(copy.data(), copy.size()), 0);
  }
}

}  // namespace
