// IPv4 and IPv6 headers (with IPv6 extension headers). Private to capture.
#pragma once

#include <expected>
#include <string>

#include "capture/bytes.h"
#include "core/core.h"

namespace ladder::capture::detail {

struct IpHeader {
  core::Address src;
  core::Address dst;
  std::uint8_t protocol = 0;  ///< upper layer (after IPv6 extension headers): 6, 17, 4, 41 ...
  Bytes payload;              ///< trimmed to the datagram's own length (link padding removed)
  bool fragment = false;
  std::uint32_t fragment_id = 0;
  std::uint32_t fragment_offset = 0;  ///< in bytes
  bool more_fragments = false;
};

/// Parses an IPv4 header. `wire_cut` says the snaplen cut the frame, for a better message.
/// Errors are the message part of a diagnostic ("IPv4 total length 9000 but only 46 bytes
/// captured; frame skipped").
std::expected<IpHeader, std::string> parse_ipv4(Bytes packet, bool wire_cut);
std::expected<IpHeader, std::string> parse_ipv6(Bytes packet, bool wire_cut);

/// Walks IPv6 extension headers starting with `next_header` at `data`, up to the upper-layer
/// header or a fragment header. Used by parse_ipv6 and again on a reassembled payload (whose
/// fragmentable part can start with destination options).
std::expected<void, std::string> walk_ipv6_extensions(IpHeader& h);

}  // namespace ladder::capture::detail
