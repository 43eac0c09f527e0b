// Test-only packet builder: frames as bytes, layer by layer, with correct lengths.
// Checksums are left zero: the decoder under test does not check them (captures taken on the
// sending host have them zero anyway, because the NIC computes them later).
//
//   auto frame = ethernet(ipv4("10.0.0.1", "10.0.0.2", kUdp, udp(5060, 5060, "OPTIONS ...")));
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace ladder::testing {

using Bytes = std::vector<std::uint8_t>;

inline constexpr std::uint8_t kIpInIp = 4;
inline constexpr std::uint8_t kTcp = 6;
inline constexpr std::uint8_t kUdp = 17;
inline constexpr std::uint8_t kIpv6InIp = 41;

inline constexpr std::uint8_t kFin = 0x01;
inline constexpr std::uint8_t kSyn = 0x02;
inline constexpr std::uint8_t kRst = 0x04;
inline constexpr std::uint8_t kPsh = 0x08;
inline constexpr std::uint8_t kAck = 0x10;

Bytes bytes(std::string_view text);
/// "10.0.0.1" or "fd00::1"; aborts the test binary on a typo (a test bug, not a test failure).
core::Address address(std::string_view text);

// Transport layer.
Bytes udp(std::uint16_t sport, std::uint16_t dport, std::string_view payload);
struct TcpOptions {
  std::uint8_t flags = kAck | kPsh;
  std::uint32_t ack = 0;
};
Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::string_view payload,
          TcpOptions options = {});

// Network layer.
struct Ipv4Options {
  std::uint16_t id = 1;
  std::uint16_t fragment_offset = 0;  ///< bytes; a multiple of 8
  bool more_fragments = false;
  int total_length = -1;  ///< -1: correct; anything else is written as is (bogus-length tests)
};
Bytes ipv4(std::string_view src, std::string_view dst, std::uint8_t protocol, const Bytes& payload,
           const Ipv4Options& options = {});
/// `extensions` are extension header types (0 hop-by-hop, 43 routing, 60 destination options)
/// put, empty, between the fixed header and the payload.
Bytes ipv6(std::string_view src, std::string_view dst, std::uint8_t next_header,
           const Bytes& payload, std::initializer_list<std::uint8_t> extensions = {});
/// One IPv6 fragment: fixed header + fragment header + `slice`.
Bytes ipv6_fragment(std::string_view src, std::string_view dst, std::uint8_t next_header,
                    const Bytes& slice, std::uint32_t offset, bool more, std::uint32_t id);
/// IPv4 or IPv6, by the address family of `src`.
Bytes ip(std::string_view src, std::string_view dst, std::uint8_t protocol, const Bytes& payload);

/// Splits an upper-layer datagram into fragments carrying at most `chunk` payload bytes each
/// (rounded down to a multiple of 8), in order.
std::vector<Bytes> ipv4_fragments(std::string_view src, std::string_view dst, std::uint8_t protocol,
                                  const Bytes& payload, std::size_t chunk,
                                  std::uint16_t id = 0x1234);
std::vector<Bytes> ipv6_fragments(std::string_view src, std::string_view dst,
                                  std::uint8_t next_header, const Bytes& payload, std::size_t chunk,
                                  std::uint32_t id = 0x12345678);

// Link layer. The EtherType / family follows the IP version of `packet`.
struct Vlan {
  std::uint16_t tpid = 0x8100;  ///< 0x8100 802.1Q, 0x88a8 802.1ad outer tag
  std::uint16_t id = 100;
};
Bytes ethernet(const Bytes& packet, std::initializer_list<Vlan> tags = {});
Bytes ethernet_type(std::uint16_t ethertype, const Bytes& payload);
Bytes linux_sll(const Bytes& packet);
Bytes linux_sll2(const Bytes& packet);
/// BSD NULL: family in the capturing host's order; `big_endian` imitates a big-endian host.
Bytes null_bsd(const Bytes& packet, std::uint32_t family, bool big_endian = false);
/// OpenBSD LOOP: family in network order.
Bytes loop(const Bytes& packet, std::uint32_t family);

/// An Ethernet frame of one UDP datagram between "ip:port" endpoints as a capture decoder
/// prints them ("127.0.0.1:5060", "[::1]:5060" or "::1:5060"): a message of a decoded capture
/// written back as a frame.
Bytes udp_frame(std::string_view src, std::string_view dst, std::string_view payload);

/// A SIP message with a correct Content-Length: "INVITE sip:b@x SIP/2.0\r\n..." for a method,
/// "SIP/2.0 200 OK..." for a status such as "200 OK".
std::string sip_request(std::string_view method, std::string_view call_id,
                        std::string_view body = {});
std::string sip_response(std::string_view status, std::string_view call_id,
                         std::string_view body = {});

}  // namespace ladder::testing
