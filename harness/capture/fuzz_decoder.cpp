// libFuzzer entry: byte 0 picks the link type, then frames as [2-byte length][bytes]...
// Build and run: scripts/fuzz fuzz_decoder SECONDS. Corpus: fuzz/corpus/fuzz_decoder.
#include <cstddef>
#include <cstdint>

#include "capture/capture.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ladder::capture;
  static constexpr LinkType kLinks[] = {LinkType::null_bsd, LinkType::ethernet,  LinkType::raw,
                                        LinkType::loop,     LinkType::linux_sll, LinkType::ipv4,
                                        LinkType::ipv6,     LinkType::linux_sll2};
  if (size < 1) return 0;
  DecoderOptions options;
  options.max_pending_fragments = 32;
  options.max_stream_buffer = 4096;
  options.max_tcp_streams = 8;
  Decoder decoder(
      kLinks[data[0] % std::size(kLinks)], options, [](const ladder::sip::WireBytes&) {},
      [](const ladder::core::Diagnostic&) {});
  std::size_t pos = 1;
  std::uint64_t n = 0;
  while (pos + 2 <= size) {
    std::size_t len = (std::size_t{data[pos]} << 8) | data[pos + 1];
    pos += 2;
    if (len > size - pos) len = size - pos;
    ++n;
    decoder.feed(Frame{n, static_cast<ladder::core::TimeNs>(n) * 1'000'000,
                       std::span<const std::uint8_t>(data + pos, len),
                       static_cast<std::uint32_t>(len)});
    pos += len;
  }
  decoder.finish();
  return 0;
}
