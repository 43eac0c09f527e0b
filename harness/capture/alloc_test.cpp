// The hot path's promise: decoding an unfragmented UDP SIP frame allocates nothing.
// This binary replaces the global operator new to count allocations, so it stands alone.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "testing/capture_files.h"

namespace {
std::atomic<std::size_t> g_allocations{0};
}

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace ladder::capture {
namespace {

using namespace ladder::testing;

TEST(Allocation, UnfragmentedUdpSipDecodesWithoutHeapAllocation) {
  std::vector<Bytes> frames = {
      ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp,
                    udp(5060, 5060, sip_request("INVITE", "alloc-1", "v=0\r\n")))),
      ethernet(ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5060, sip_response("200 OK", "a-2"))),
               {{0x8100, 7}}),
      ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, "\r\n\r\n"))),
      ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(4000, 4000, "RTP-ish bytes"))),
  };
  std::size_t seen = 0;
  Decoder decoder(
      LinkType::ethernet, {}, [&seen](const sip::WireBytes&) { ++seen; }, nullptr);
  std::size_t before = g_allocations.load();
  for (int round = 0; round < 100; ++round) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      decoder.feed(Frame{i + 1, 0, frames[i], static_cast<std::uint32_t>(frames[i].size())});
    }
  }
  std::size_t after = g_allocations.load();
  EXPECT_EQ(after - before, 0u);
  EXPECT_EQ(seen, 200u);
}

}  // namespace
}  // namespace ladder::capture
