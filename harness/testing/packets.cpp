#include "testing/packets.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

namespace ladder::testing {
namespace {

void put16(Bytes& b, std::size_t at, std::uint32_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

void put32(Bytes& b, std::size_t at, std::uint32_t v) {
  put16(b, at, v >> 16);
  put16(b, at + 2, v & 0xffff);
}

// resize + memcpy rather than insert(): GCC 12 at -O3 reports a bogus -Warray-bounds for
// vector::insert of a range into a small vector.
void append(Bytes& to, std::string_view from) {
  std::size_t old = to.size();
  to.resize(old + from.size());
  if (!from.empty()) std::memcpy(to.data() + old, from.data(), from.size());
}

void append(Bytes& to, const Bytes& from) {
  append(to, std::string_view(reinterpret_cast<const char*>(from.data()), from.size()));
}

std::uint16_t ethertype_of(const Bytes& packet) {
  return !packet.empty() && (packet[0] >> 4) == 6 ? 0x86dd : 0x0800;
}

Bytes ipv4_raw(const core::Address& src, const core::Address& dst, std::uint8_t protocol,
               const Bytes& payload, const Ipv4Options& o) {
  Bytes b(20);
  b[0] = 0x45;
  std::size_t total =
      o.total_length >= 0 ? static_cast<std::size_t>(o.total_length) : 20 + payload.size();
  put16(b, 2, static_cast<std::uint32_t>(total));
  put16(b, 4, o.id);
  put16(b, 6, (o.more_fragments ? 0x2000u : 0u) | (o.fragment_offset / 8u));
  b[8] = 64;
  b[9] = protocol;
  std::copy_n(src.bytes.begin(), 4, b.begin() + 12);
  std::copy_n(dst.bytes.begin(), 4, b.begin() + 16);
  append(b, payload);
  return b;
}

Bytes ipv6_fixed(const core::Address& src, const core::Address& dst, std::uint8_t next,
                 std::size_t payload_length) {
  Bytes b(40);
  b[0] = 0x60;
  put16(b, 4, static_cast<std::uint32_t>(payload_length));
  b[6] = next;
  b[7] = 64;
  std::copy_n(src.bytes.begin(), 16, b.begin() + 8);
  std::copy_n(dst.bytes.begin(), 16, b.begin() + 24);
  return b;
}

std::string with_body(std::string head, std::string_view body) {
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  head += body;
  return head;
}

std::string common_headers(std::string_view call_id) {
  return "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-1\r\n"
         "From: <sip:a@example.com>;tag=1\r\n"
         "To: <sip:b@example.com>\r\n"
         "Call-ID: " +
         std::string(call_id) +
         "\r\n"
         "CSeq: 1 INVITE\r\n";
}

// "127.0.0.1:5060" -> ("127.0.0.1", 5060); brackets around an IPv6 address are dropped.
std::pair<std::string, std::uint16_t> split_endpoint(std::string_view e) {
  std::size_t colon = e.rfind(':');
  std::string_view host = e.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  auto port = static_cast<std::uint16_t>(std::stoi(std::string(e.substr(colon + 1))));
  return {std::string(host), port};
}

}  // namespace

Bytes bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

core::Address address(std::string_view text) {
  auto a = core::Address::parse(text);
  if (!a) {
    std::fprintf(stderr, "testing::address: bad address '%.*s'\n", static_cast<int>(text.size()),
                 text.data());
    std::abort();
  }
  return *a;
}

Bytes udp(std::uint16_t sport, std::uint16_t dport, std::string_view payload) {
  Bytes b(8);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put16(b, 4, static_cast<std::uint32_t>(8 + payload.size()));
  append(b, payload);
  return b;
}

Bytes tcp(std::uint16_t sport, std::uint16_t dport, std::uint32_t seq, std::string_view payload,
          TcpOptions options) {
  Bytes b(20);
  put16(b, 0, sport);
  put16(b, 2, dport);
  put32(b, 4, seq);
  put32(b, 8, options.ack);
  b[12] = 5 << 4;
  b[13] = options.flags;
  put16(b, 14, 65535);
  append(b, payload);
  return b;
}

Bytes ipv4(std::string_view src, std::string_view dst, std::uint8_t protocol, const Bytes& payload,
           const Ipv4Options& options) {
  return ipv4_raw(address(src), address(dst), protocol, payload, options);
}

Bytes ipv6(std::string_view src, std::string_view dst, std::uint8_t next_header,
           const Bytes& payload, std::initializer_list<std::uint8_t> extensions) {
  Bytes ext;
  std::vector<std::uint8_t> types(extensions);
  for (std::size_t i = 0; i < types.size(); ++i) {
    std::uint8_t next = i + 1 < types.size() ? types[i + 1] : next_header;
    Bytes h(8);  // length field 0: 8 bytes; options area is PadN
    h[0] = next;
    h[2] = 1;  // PadN
    h[3] = 4;
    if (types[i] == 43) {
      h[2] = 0;  // routing type 0, segments left 0: ignored by receivers
      h[3] = 0;
    }
    append(ext, h);
  }
  std::uint8_t first = types.empty() ? next_header : types.front();
  Bytes b = ipv6_fixed(address(src), address(dst), first, ext.size() + payload.size());
  append(b, ext);
  append(b, payload);
  return b;
}

Bytes ipv6_fragment(std::string_view src, std::string_view dst, std::uint8_t next_header,
                    const Bytes& slice, std::uint32_t offset, bool more, std::uint32_t id) {
  Bytes b = ipv6_fixed(address(src), address(dst), 44, 8 + slice.size());
  Bytes frag(8);
  frag[0] = next_header;
  put16(frag, 2, (offset & 0xfff8u) | (more ? 1u : 0u));
  put32(frag, 4, id);
  append(b, frag);
  append(b, slice);
  return b;
}

Bytes ip(std::string_view src, std::string_view dst, std::uint8_t protocol, const Bytes& payload) {
  return address(src).family == 6 ? ipv6(src, dst, protocol, payload)
                                  : ipv4(src, dst, protocol, payload);
}

std::vector<Bytes> ipv4_fragments(std::string_view src, std::string_view dst, std::uint8_t protocol,
                                  const Bytes& payload, std::size_t chunk, std::uint16_t id) {
  chunk = std::max<std::size_t>(8, chunk / 8 * 8);
  std::vector<Bytes> out;
  for (std::size_t off = 0; off < payload.size(); off += chunk) {
    std::size_t n = std::min(chunk, payload.size() - off);
    Ipv4Options o;
    o.id = id;
    o.fragment_offset = static_cast<std::uint16_t>(off);
    o.more_fragments = off + n < payload.size();
    Bytes slice(payload.begin() + static_cast<std::ptrdiff_t>(off),
                payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    out.push_back(ipv4(src, dst, protocol, slice, o));
  }
  return out;
}

std::vector<Bytes> ipv6_fragments(std::string_view src, std::string_view dst,
                                  std::uint8_t next_header, const Bytes& payload, std::size_t chunk,
                                  std::uint32_t id) {
  chunk = std::max<std::size_t>(8, chunk / 8 * 8);
  std::vector<Bytes> out;
  for (std::size_t off = 0; off < payload.size(); off += chunk) {
    std::size_t n = std::min(chunk, payload.size() - off);
    Bytes slice(payload.begin() + static_cast<std::ptrdiff_t>(off),
                payload.begin() + static_cast<std::ptrdiff_t>(off + n));
    out.push_back(ipv6_fragment(src, dst, next_header, slice, static_cast<std::uint32_t>(off),
                                off + n < payload.size(), id));
  }
  return out;
}

Bytes ethernet_type(std::uint16_t ethertype, const Bytes& payload) {
  Bytes b = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0, 0};
  put16(b, 12, ethertype);
  append(b, payload);
  return b;
}

Bytes ethernet(const Bytes& packet, std::initializer_list<Vlan> tags) {
  Bytes b = {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01};
  for (const Vlan& v : tags) {
    b.resize(b.size() + 4);
    put16(b, b.size() - 4, v.tpid);
    put16(b, b.size() - 2, v.id & 0x0fffu);
  }
  b.resize(b.size() + 2);
  put16(b, b.size() - 2, ethertype_of(packet));
  append(b, packet);
  return b;
}

Bytes udp_frame(std::string_view src, std::string_view dst, std::string_view payload) {
  auto [sa, sp] = split_endpoint(src);
  auto [da, dp] = split_endpoint(dst);
  return ethernet(ip(sa, da, kUdp, udp(sp, dp, payload)));
}

Bytes linux_sll(const Bytes& packet) {
  Bytes b(16);
  put16(b, 0, 0);  // packet type: to us
  put16(b, 2, 1);  // ARPHRD_ETHER
  put16(b, 4, 6);  // address length
  b[6] = 0x02;
  put16(b, 14, ethertype_of(packet));
  append(b, packet);
  return b;
}

Bytes linux_sll2(const Bytes& packet) {
  Bytes b(20);
  put16(b, 0, ethertype_of(packet));
  put32(b, 4, 2);  // interface index
  put16(b, 8, 1);  // ARPHRD_ETHER
  b[10] = 0;       // packet type
  b[11] = 6;       // address length
  append(b, packet);
  return b;
}

Bytes null_bsd(const Bytes& packet, std::uint32_t family, bool big_endian) {
  Bytes b(4);
  if (big_endian) {
    put32(b, 0, family);
  } else {
    for (int i = 0; i < 4; ++i)
      b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(family >> (8 * i));
  }
  append(b, packet);
  return b;
}

Bytes loop(const Bytes& packet, std::uint32_t family) { return null_bsd(packet, family, true); }

std::string sip_request(std::string_view method, std::string_view call_id, std::string_view body) {
  std::string head =
      std::string(method) + " sip:b@example.com SIP/2.0\r\n" + common_headers(call_id);
  return with_body(std::move(head), body);
}

std::string sip_response(std::string_view status, std::string_view call_id, std::string_view body) {
  std::string head = "SIP/2.0 " + std::string(status) + "\r\n" + common_headers(call_id);
  return with_body(std::move(head), body);
}

}  // namespace ladder::testing
