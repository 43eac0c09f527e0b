#include "capture/ip.h"

#include "capture/text.h"

namespace ladder::capture::detail {
namespace {

constexpr std::uint8_t kHopByHop = 0;
constexpr std::uint8_t kRouting = 43;
constexpr std::uint8_t kFragment = 44;
constexpr std::uint8_t kAuthHeader = 51;
constexpr std::uint8_t kDestOptions = 60;
constexpr std::uint8_t kMobility = 135;
constexpr int kMaxExtensionHeaders = 16;  // bounds the walk on hostile input

std::string cut_note(bool wire_cut) { return wire_cut ? " (the capture's snaplen cut it)" : ""; }

}  // namespace

std::expected<IpHeader, std::string> parse_ipv4(Bytes p, bool wire_cut) {
  if (p.size() < 20) {
    return std::unexpected(
        cat("IPv4 header needs 20 bytes but only ", p.size(), " captured", cut_note(wire_cut)));
  }
  if ((p[0] >> 4) != 4) {
    return std::unexpected(cat("IPv4 packet has IP version ", p[0] >> 4));
  }
  std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
  std::size_t total = be16(p.data() + 2);
  if (ihl < 20) return std::unexpected(cat("IPv4 header length ", ihl, " is below 20"));
  // A total length of 0 is what TCP segmentation offload leaves in locally captured packets:
  // the NIC fills it in later, so the captured bytes are the packet.
  if (total == 0) total = p.size();
  if (total < ihl) {
    return std::unexpected(
        cat("IPv4 total length ", total, " is shorter than its header (", ihl, " bytes)"));
  }
  if (total > p.size()) {
    return std::unexpected(cat("IPv4 total length ", total, " but only ", p.size(),
                               " bytes captured", cut_note(wire_cut), "; frame skipped"));
  }
  IpHeader h;
  h.src = core::Address::v4(p.data() + 12);
  h.dst = core::Address::v4(p.data() + 16);
  h.protocol = p[9];
  h.payload = p.subspan(ihl, total - ihl);
  std::uint16_t frag = be16(p.data() + 6);
  h.more_fragments = (frag & 0x2000) != 0;
  h.fragment_offset = std::uint32_t{frag & 0x1fffu} * 8;
  h.fragment = h.more_fragments || h.fragment_offset != 0;
  h.fragment_id = be16(p.data() + 4);
  return h;
}

std::expected<IpHeader, std::string> parse_ipv6(Bytes p, bool wire_cut) {
  if (p.size() < 40) {
    return std::unexpected(
        cat("IPv6 header needs 40 bytes but only ", p.size(), " captured", cut_note(wire_cut)));
  }
  if ((p[0] >> 4) != 6) {
    return std::unexpected(cat("IPv6 packet has IP version ", p[0] >> 4));
  }
  std::size_t length = be16(p.data() + 4);
  // 0 means a jumbogram (RFC 2675) or offload, as for IPv4: take what was captured.
  if (length == 0) length = p.size() - 40;
  if (length > p.size() - 40) {
    return std::unexpected(cat("IPv6 payload length ", length, " but only ", p.size() - 40,
                               " bytes captured", cut_note(wire_cut), "; frame skipped"));
  }
  IpHeader h;
  h.src = core::Address::v6(p.data() + 8);
  h.dst = core::Address::v6(p.data() + 24);
  h.protocol = p[6];
  h.payload = p.subspan(40, length);
  if (auto walked = walk_ipv6_extensions(h); !walked) return std::unexpected(walked.error());
  return h;
}

std::expected<void, std::string> walk_ipv6_extensions(IpHeader& h) {
  for (int i = 0; i < kMaxExtensionHeaders; ++i) {
    Bytes& d = h.payload;
    switch (h.protocol) {
      case kHopByHop:
      case kRouting:
      case kDestOptions:
      case kMobility: {
        if (d.size() < 8) return std::unexpected(std::string("IPv6 extension header cut short"));
        std::size_t len = (std::size_t{d[1]} + 1) * 8;
        if (len > d.size()) {
          return std::unexpected(cat("IPv6 extension header ", h.protocol, " says ", len,
                                     " bytes but only ", d.size(), " left"));
        }
        h.protocol = d[0];
        d = d.subspan(len);
        continue;
      }
      case kAuthHeader: {
        if (d.size() < 8) return std::unexpected(std::string("IPv6 AH header cut short"));
        std::size_t len = (std::size_t{d[1]} + 2) * 4;
        if (len > d.size()) {
          return std::unexpected(
              cat("IPv6 AH header says ", len, " bytes but only ", d.size(), " left"));
        }
        h.protocol = d[0];
        d = d.subspan(len);
        continue;
      }
      case kFragment: {
        if (h.fragment) {
          return std::unexpected(std::string("IPv6 fragment inside a reassembled fragment"));
        }
        if (d.size() < 8) return std::unexpected(std::string("IPv6 fragment header cut short"));
        std::uint16_t off = be16(d.data() + 2);
        h.protocol = d[0];
        h.fragment = true;
        h.fragment_offset = std::uint32_t{off & 0xfff8u};  // 13 bits, in 8-byte units
        h.more_fragments = (off & 1) != 0;
        h.fragment_id = be32(d.data() + 4);
        d = d.subspan(8);
        return {};  // the rest is the fragmentable part: walked again after reassembly
      }
      default:
        return {};
    }
  }
  return std::unexpected(std::string("too many IPv6 extension headers"));
}

}  // namespace ladder::capture::detail
