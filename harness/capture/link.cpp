#include "capture/link.h"

namespace ladder::capture::detail {
namespace {

constexpr std::uint16_t kEtherIpv4 = 0x0800;
constexpr std::uint16_t kEtherIpv6 = 0x86dd;
constexpr std::uint16_t kEtherVlan = 0x8100;     // 802.1Q
constexpr std::uint16_t kEtherQinQ = 0x88a8;     // 802.1ad
constexpr std::uint16_t kEtherQinQOld = 0x9100;  // pre-standard QinQ, still seen in the wild
constexpr int kMaxVlanTags = 4;  // bounds the tag loop; real networks stack two at most

// Dispatches on an EtherType, peeling VLAN tags (which Linux cooked captures can carry too when
// the NIC did not strip them).
LinkResult by_ethertype(std::uint16_t type, Bytes rest) {
  for (int tags = 0; tags <= kMaxVlanTags; ++tags) {
    switch (type) {
      case kEtherIpv4:
        return {NetProto::ipv4, rest, nullptr};
      case kEtherIpv6:
        return {NetProto::ipv6, rest, nullptr};
      case kEtherVlan:
      case kEtherQinQ:
      case kEtherQinQOld:
        if (rest.size() < 4) return {NetProto::other, {}, "VLAN tag cut short"};
        type = be16(rest.data() + 2);
        rest = rest.subspan(4);
        continue;
      default:
        return {NetProto::other, rest, nullptr};
    }
  }
  return {NetProto::other, {}, "too many stacked VLAN tags"};
}

// BSD address families: AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD/OpenBSD), 28 (FreeBSD)
// or 30 (macOS), so a capture from any of them must accept all three.
NetProto by_family(std::uint32_t family) {
  if (family == 2) return NetProto::ipv4;
  if (family == 24 || family == 28 || family == 30) return NetProto::ipv6;
  return NetProto::other;
}

LinkResult by_version(Bytes packet) {
  if (packet.empty()) return {NetProto::other, {}, "empty raw IP frame"};
  switch (packet[0] >> 4) {
    case 4:
      return {NetProto::ipv4, packet, nullptr};
    case 6:
      return {NetProto::ipv6, packet, nullptr};
    default:
      return {NetProto::other, packet, nullptr};
  }
}

}  // namespace

LinkResult strip_link(LinkType link, Bytes frame) {
  switch (link) {
    case LinkType::ethernet:
      if (frame.size() < 14) return {NetProto::other, {}, "frame too short for an Ethernet header"};
      return by_ethertype(be16(frame.data() + 12), frame.subspan(14));
    case LinkType::linux_sll:
      if (frame.size() < 16)
        return {NetProto::other, {}, "frame too short for a Linux cooked header"};
      return by_ethertype(be16(frame.data() + 14), frame.subspan(16));
    case LinkType::linux_sll2:
      if (frame.size() < 20) {
        return {NetProto::other, {}, "frame too short for a Linux cooked v2 header"};
      }
      return by_ethertype(be16(frame.data()), frame.subspan(20));
    case LinkType::null_bsd: {
      if (frame.size() < 4) return {NetProto::other, {}, "frame too short for a loopback header"};
      // Host byte order of the capturing machine, which need not be ours: the family is small,
      // so whichever reading gives a known family is the right one.
      NetProto p = by_family(le32(frame.data()));
      if (p == NetProto::other) p = by_family(be32(frame.data()));
      return {p, frame.subspan(4), nullptr};
    }
    case LinkType::loop:
      if (frame.size() < 4) return {NetProto::other, {}, "frame too short for a loopback header"};
      return {by_family(be32(frame.data())), frame.subspan(4), nullptr};
    case LinkType::raw:
      return by_version(frame);
    case LinkType::ipv4:
      return {NetProto::ipv4, frame, nullptr};
    case LinkType::ipv6:
      return {NetProto::ipv6, frame, nullptr};
  }
  return {NetProto::other, {}, "unsupported link type"};
}

std::optional<LinkType> link_type_from(int dlt) {
  switch (dlt) {
    case 0:
      return LinkType::null_bsd;
    case 1:
      return LinkType::ethernet;
    case 12:  // DLT_RAW on most systems
    case 14:  // DLT_RAW on OpenBSD
    case 101:
      return LinkType::raw;
    case 108:
      return LinkType::loop;
    case 113:
      return LinkType::linux_sll;
    case 228:
      return LinkType::ipv4;
    case 229:
      return LinkType::ipv6;
    case 276:
      return LinkType::linux_sll2;
    default:
      return std::nullopt;
  }
}

}  // namespace ladder::capture::detail

namespace ladder::capture {

bool supported(int link_type) { return detail::link_type_from(link_type).has_value(); }

}  // namespace ladder::capture
