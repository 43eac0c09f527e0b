// Link layer: strips Ethernet / VLAN / Linux cooked / loopback headers down to the IP packet.
// Private to capture.
#pragma once

#include <optional>

#include "capture/bytes.h"
#include "capture/capture.h"

namespace ladder::capture::detail {

enum class NetProto { ipv4, ipv6, other };

struct LinkResult {
  NetProto proto = NetProto::other;
  Bytes payload;                ///< the network-layer packet (may carry link padding)
  const char* error = nullptr;  ///< static text when the frame is too short for its header
};

LinkResult strip_link(LinkType link, Bytes frame);

/// Maps a libpcap DLT / LINKTYPE number to the LinkType the Decoder understands.
std::optional<LinkType> link_type_from(int dlt);

}  // namespace ladder::capture::detail
