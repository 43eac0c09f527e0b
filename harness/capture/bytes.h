// Bounds-checked-by-contract big-endian readers for packet headers. Private to capture.
// Callers check the span is long enough first; these never look past `p + N`.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ladder::capture::detail {

using Bytes = std::span<const std::uint8_t>;

inline std::uint16_t be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

inline std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}

inline std::uint32_t le32(const std::uint8_t* p) {
  return (std::uint32_t{p[3]} << 24) | (std::uint32_t{p[2]} << 16) | (std::uint32_t{p[1]} << 8) |
         std::uint32_t{p[0]};
}

/// The bytes as text, without copying: SIP is parsed straight out of the frame.
inline std::string_view as_text(Bytes b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

}  // namespace ladder::capture::detail
