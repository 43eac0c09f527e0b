// Decoder: link -> IP (fragments, tunnels) -> UDP / TCP -> SIP.
// The unfragmented UDP path allocates nothing: sip::WireBytes::bytes points into the frame.
#include "capture/fragments.h"
#include "capture/ip.h"
#include "capture/link.h"
#include "capture/output.h"
#include "capture/tcp_stream.h"
#include "capture/text.h"
#include "sip/framing.h"

namespace ladder::capture {

using detail::Bytes;
using detail::cat;

namespace {

constexpr std::uint8_t kIpInIp = 4;
constexpr std::uint8_t kTcp = 6;
constexpr std::uint8_t kUdp = 17;
constexpr std::uint8_t kIpv6InIp = 41;

bool is_start(sip::StartKind k) {
  return k == sip::StartKind::request || k == sip::StartKind::response;
}

bool only_crlf(std::string_view s) {
  return !s.empty() && s.find_first_not_of("\r\n") == std::string_view::npos;
}

}  // namespace

struct Decoder::Impl {
  Impl(LinkType l, DecoderOptions o, PayloadSink p, DiagnosticSink d)
      : link(to_link_type(static_cast<int>(l)).value_or(l)),
        link_known(supported(static_cast<int>(l))),
        options(std::move(o)),
        out(options, stats, std::move(p), std::move(d)),
        fragments(out),
        tcp(out) {}

  // What the current packet came from, carried down through tunnels.
  struct Context {
    const Frame& frame;
    std::uint64_t first_frame;
    bool wire_cut;
  };

  void feed(const Frame& frame);
  void ip(const Context& c, detail::NetProto proto, Bytes packet, int depth);
  void transport(const Context& c, const detail::IpHeader& h, Bytes payload, int depth);
  void udp(const Context& c, const detail::IpHeader& h, Bytes segment);
  void tcp_segment(const Context& c, const detail::IpHeader& h, Bytes segment);

  LinkType link;
  bool link_known;
  bool link_reported = false;
  DecoderOptions options;
  DecodeStats stats;
  detail::Output out;
  detail::Reassembler fragments;
  detail::TcpStreams tcp;
};

void Decoder::Impl::feed(const Frame& frame) {
  ++stats.frames;
  if (!link_known) {
    if (!link_reported) {
      link_reported = true;
      out.report(core::Severity::error, 0,
                 cat("link type ", static_cast<int>(link),
                     " is not supported; no frame of this capture can be decoded"));
    }
    return;
  }
  detail::LinkResult l = detail::strip_link(link, frame.data);
  if (l.error != nullptr) {
    out.damaged(frame.number, l.error);
    return;
  }
  if (l.proto == detail::NetProto::other) {
    ++stats.non_ip_frames;
    return;
  }
  Context c{frame, frame.number, frame.wire_length > frame.data.size()};
  ip(c, l.proto, l.payload, 0);
}

void Decoder::Impl::ip(const Context& c, detail::NetProto proto, Bytes packet, int depth) {
  auto parsed = proto == detail::NetProto::ipv4 ? detail::parse_ipv4(packet, c.wire_cut)
                                                : detail::parse_ipv6(packet, c.wire_cut);
  if (!parsed) {
    out.damaged(c.frame.number, std::move(parsed.error()));
    return;
  }
  detail::IpHeader& h = *parsed;
  if (!h.fragment) {
    transport(c, h, h.payload, depth);
    return;
  }
  ++stats.fragments;
  detail::FragmentKey key{h.src, h.dst, h.fragment_id, h.protocol};
  auto whole = fragments.add(key, h.fragment_offset, h.more_fragments, h.payload, c.frame);
  if (!whole) return;
  ++stats.reassembled;
  Context inner{c.frame, std::min(c.first_frame, whole->first_frame), c.wire_cut};
  h.payload = whole->bytes;
  if (proto == detail::NetProto::ipv6) {
    // The fragmentable part may start with more extension headers (destination options).
    if (auto walked = detail::walk_ipv6_extensions(h); !walked) {
      out.damaged(c.frame.number, std::move(walked.error()));
      return;
    }
  }
  transport(inner, h, h.payload, depth);
}

void Decoder::Impl::transport(const Context& c, const detail::IpHeader& h, Bytes payload,
                              int depth) {
  switch (h.protocol) {
    case kUdp:
      udp(c, h, payload);
      return;
    case kTcp:
      tcp_segment(c, h, payload);
      return;
    case kIpInIp:
    case kIpv6InIp:
      if (depth >= options.max_tunnel_depth) {
        out.damaged(c.frame.number, cat("IP tunnels nested deeper than ", options.max_tunnel_depth,
                                        "; frame skipped"));
        return;
      }
      ip(c, h.protocol == kIpInIp ? detail::NetProto::ipv4 : detail::NetProto::ipv6, payload,
         depth + 1);
      return;
    default:
      ++stats.other_protocols;
      return;
  }
}

void Decoder::Impl::udp(const Context& c, const detail::IpHeader& h, Bytes segment) {
  if (segment.size() < 8) {
    out.damaged(c.frame.number,
                cat("UDP header needs 8 bytes but only ", segment.size(), " are left"));
    return;
  }
  std::size_t length = detail::be16(segment.data() + 4);
  if (length == 0) length = segment.size();  // RFC 2675 jumbogram, or offload: take what is there
  if (length < 8 || length > segment.size()) {
    out.damaged(c.frame.number, cat("UDP length ", length, " does not fit the ", segment.size(),
                                    " bytes of the datagram; frame skipped"));
    return;
  }
  std::string_view text = detail::as_text(segment.subspan(8, length - 8));
  if (!is_start(sip::classify_start(text))) {
    if (only_crlf(text)) {
      ++stats.keepalives;
    } else {
      ++stats.non_sip_payloads;
    }
    return;
  }
  sip::WireBytes p;
  p.frame = c.frame.number;
  p.first_frame = c.first_frame;
  p.time = c.frame.time;
  p.src = core::Endpoint{h.src, detail::be16(segment.data())};
  p.dst = core::Endpoint{h.dst, detail::be16(segment.data() + 2)};
  p.transport = core::Transport::udp;
  // Several messages may share a datagram; each is framed by its Content-Length. Without one,
  // RFC 3261 section 18.3 lets the body run to the end of the datagram.
  while (!text.empty()) {
    // Most datagrams end right at the blank line (100, 180, ACK, BYE ...): one message, nothing
    // to frame. A Content-Length that claims a missing body is still caught: scan() reports it
    // and the message is shown as malformed.
    std::size_t head = sip::header_end(text);
    if (head == text.size()) {
      p.incomplete = false;
      p.bytes = text;
      out.payload(p);
      return;
    }
    sip::FrameLength fl = sip::frame_length(text, head);
    std::size_t len = text.size();
    p.incomplete = false;
    if (fl.state == sip::FrameLength::State::complete && fl.had_content_length) {
      len = fl.length;
    } else if (fl.state == sip::FrameLength::State::need_more) {
      p.incomplete = true;
      out.warning(c.frame.number, cat("UDP ", p.src.to_string(), " -> ", p.dst.to_string(),
                                      ": SIP message shorter than its headers say (", text.size(),
                                      " bytes in the datagram); passed on incomplete"));
    } else if (fl.state == sip::FrameLength::State::bad) {
      out.warning(c.frame.number, cat("UDP ", p.src.to_string(), " -> ", p.dst.to_string(), ": ",
                                      fl.error, "; the body is taken to end with the datagram"));
    }
    p.bytes = text.substr(0, len);
    out.payload(p);
    text.remove_prefix(len);
    std::size_t pad = text.find_first_not_of("\r\n");
    text.remove_prefix(pad == std::string_view::npos ? text.size() : pad);
    if (!text.empty() && !is_start(sip::classify_start(text))) {
      out.warning(c.frame.number, cat("UDP ", p.src.to_string(), " -> ", p.dst.to_string(), ": ",
                                      text.size(), " bytes after the SIP message are not SIP"));
      return;
    }
  }
}

void Decoder::Impl::tcp_segment(const Context& c, const detail::IpHeader& h, Bytes segment) {
  if (segment.size() < 20) {
    out.damaged(c.frame.number,
                cat("TCP header needs 20 bytes but only ", segment.size(), " are left"));
    return;
  }
  std::size_t header = std::size_t{static_cast<std::uint8_t>(segment[12] >> 4)} * 4;
  if (header < 20 || header > segment.size()) {
    out.damaged(c.frame.number, cat("TCP header length ", header, " does not fit the ",
                                    segment.size(), " bytes of the segment; frame skipped"));
    return;
  }
  detail::TcpSegment s;
  s.src = core::Endpoint{h.src, detail::be16(segment.data())};
  s.dst = core::Endpoint{h.dst, detail::be16(segment.data() + 2)};
  s.seq = detail::be32(segment.data() + 4);
  s.ack = detail::be32(segment.data() + 8);
  s.flags = segment[13];
  s.payload = segment.subspan(header);
  s.meta = detail::SegmentMeta{c.frame.number, c.first_frame, c.frame.time};
  tcp.segment(s);
}

Decoder::Decoder(LinkType link, DecoderOptions options, PayloadSink on_payload,
                 DiagnosticSink on_diagnostic)
    : impl_(std::make_unique<Impl>(link, std::move(options), std::move(on_payload),
                                   std::move(on_diagnostic))) {}

Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

void Decoder::feed(const Frame& frame) { impl_->feed(frame); }

void Decoder::finish() {
  impl_->tcp.finish();
  impl_->fragments.finish();
}

const DecodeStats& Decoder::stats() const { return impl_->stats; }

std::optional<LinkType> to_link_type(int dlt) { return detail::link_type_from(dlt); }

}  // namespace ladder::capture
