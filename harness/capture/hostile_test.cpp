// Hostile input: random and mutated frames must never crash, hang or grow memory unbounded.
// Runs under ASan/UBSan in the sanitizer build. Deterministic seeds, so failures reproduce.
#include <gtest/gtest.h>

#include <random>

#include "testing/capture_files.h"

namespace ladder::capture {
namespace {

using namespace ladder::testing;

std::vector<Bytes> seeds() {
  std::string invite = sip_request("INVITE", "hostile", std::string(2000, 'v'));
  std::vector<Bytes> out;
  out.push_back(ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, invite)),
                         {{0x88a8, 1}, {0x8100, 2}}));
  out.push_back(ethernet(ipv6("fd00::1", "fd00::2", kUdp, udp(5060, 5060, invite), {0, 60})));
  for (auto& f : ipv4_fragments("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, invite), 800)) {
    out.push_back(ethernet(f));
  }
  for (auto& f : ipv6_fragments("fd00::1", "fd00::2", kUdp, udp(5060, 5060, invite), 800)) {
    out.push_back(ethernet(f));
  }
  out.push_back(ethernet(ipv4("10.0.0.1", "10.0.0.2", kIpInIp,
                              ipv4("10.1.0.1", "10.1.0.2", kTcp, tcp(1, 2, 100, invite)))));
  out.push_back(ethernet(ipv4("10.0.0.1", "10.0.0.2", kTcp, tcp(5060, 5061, 1, invite))));
  out.push_back(ethernet(ipv4("10.0.0.1", "10.0.0.2", kTcp, tcp(5060, 5061, 1 + 900, invite))));
  return out;
}

TEST(Hostile, MutatedFramesNeverCrash) {
  std::mt19937 rng(20240501);
  auto base = seeds();
  DecoderOptions options;
  options.max_pending_fragments = 64;
  options.max_stream_buffer = 8192;
  options.max_tcp_streams = 16;
  std::uint64_t payloads = 0;
  Decoder decoder(
      LinkType::ethernet, options,
      [&](const sip::WireBytes& p) {
        ++payloads;
        EXPECT_LE(p.first_frame, p.frame);
      },
      nullptr);
  for (std::uint64_t n = 1; n <= 20000; ++n) {
    Bytes f = base[rng() % base.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a byte in the headers, where lengths live
          f[rng() % std::min<std::size_t>(f.size(), 80)] = static_cast<std::uint8_t>(rng());
          break;
        case 1:  // flip a byte anywhere
          f[rng() % f.size()] = static_cast<std::uint8_t>(rng());
          break;
        case 2:  // truncate
          f.resize(rng() % (f.size() + 1));
          break;
        default:  // extend with junk
          f.resize(f.size() + rng() % 64, static_cast<std::uint8_t>(rng()));
          break;
      }
      if (f.empty()) break;
    }
    decoder.feed(Frame{n, static_cast<core::TimeNs>(n) * 1000, f,
                       static_cast<std::uint32_t>(f.size() + rng() % 3)});
  }
  decoder.finish();
  EXPECT_EQ(decoder.stats().frames, 20000u);
  EXPECT_GT(payloads, 0u);
}

TEST(Hostile, RandomBytesOnEveryLinkType) {
  std::mt19937 rng(7);
  for (LinkType link :
       {LinkType::null_bsd, LinkType::ethernet, LinkType::raw, LinkType::loop, LinkType::linux_sll,
        LinkType::ipv4, LinkType::ipv6, LinkType::linux_sll2}) {
    Decoder decoder(link, {}, nullptr, nullptr);
    for (std::uint64_t n = 1; n <= 3000; ++n) {
      Bytes f(rng() % 200);
      for (auto& b : f) b = static_cast<std::uint8_t>(rng());
      if (!f.empty() && rng() % 2) f[0] = (rng() % 2) ? 0x45 : 0x60;  // look like IP sometimes
      decoder.feed(Frame{n, 0, f, static_cast<std::uint32_t>(f.size())});
    }
    decoder.finish();
    EXPECT_EQ(decoder.stats().frames, 3000u);
  }
}

TEST(Hostile, TcpSequenceChaosStaysBounded) {
  std::mt19937 rng(99);
  DecoderOptions options;
  options.max_stream_buffer = 4096;
  std::string invite = sip_request("INVITE", "chaos");
  Decoder decoder(LinkType::raw, options, nullptr, nullptr);
  for (std::uint64_t n = 1; n <= 20000; ++n) {
    std::uint8_t flags = static_cast<std::uint8_t>(rng() & 0x1f);
    std::string data = invite.substr(0, rng() % invite.size());
    Bytes p = ipv4(
        "10.0.0.1", "10.0.0.2", kTcp,
        tcp(5060, static_cast<std::uint16_t>(40000 + rng() % 4), static_cast<std::uint32_t>(rng()),
            data, {flags, static_cast<std::uint32_t>(rng())}));
    decoder.feed(Frame{n, static_cast<core::TimeNs>(n) * 1'000'000, p,
                       static_cast<std::uint32_t>(p.size())});
  }
  decoder.finish();
  EXPECT_EQ(decoder.stats().tcp_segments, 20000u);
}

}  // namespace
}  // namespace ladder::capture
