#include "usecase/run_capture.h"

#include <set>

namespace ladder::usecase {

std::string capture_interface(const scenario::Testbed& testbed, const std::string& override_if) {
  if (!override_if.empty()) return override_if;
  if (!testbed.capture.interface.empty()) return testbed.capture.interface;
  for (const scenario::TestbedRole& r : testbed.roles) {
    if (!r.address.address.is_loopback()) return "any";
  }
  return "lo";
}

std::string capture_filter(const scenario::Testbed& testbed) {
  std::set<std::uint16_t> ports;
  std::set<std::string> hosts;
  bool tcp = false;
  for (const scenario::TestbedRole& r : testbed.roles) {
    hosts.insert(r.address.address.to_string());
    tcp |= r.transport != core::Transport::udp;
    if (r.played_by != scenario::PlayedBy::harness && r.address.port != 0) {
      ports.insert(r.address.port);
    }
  }
  std::string match;
  // Over TCP a proxy opens its own connections from ephemeral ports to the users, so only the
  // hosts can be filtered on.
  if (!ports.empty() && !tcp) {
    for (std::uint16_t p : ports) match += (match.empty() ? "" : " or ") + ("port " + std::to_string(p));
  } else {
    for (const std::string& h : hosts) match += (match.empty() ? "" : " or ") + ("host " + h);
  }
  // Non-first IPv4 fragments and IPv6 fragment headers carry no ports.
  return "(" + match + ") or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)";
}

std::expected<std::unique_ptr<RunCapture>, std::string> RunCapture::open(
    const scenario::Testbed& testbed, const std::string& override_if, const std::string& path) {
  std::string interface = capture_interface(testbed, override_if);
  // 65535: a whole UDP datagram or loopback TCP segment; larger slots only shrink the ring.
  auto live = capture::LiveCapture::open(interface, capture_filter(testbed), 65535);
  if (!live) return std::unexpected(live.error());
  auto link = capture::to_link_type(live->link_type());
  if (!link) {
    return std::unexpected("capture on " + interface + ": unsupported link type " +
                           std::to_string(live->link_type()));
  }
  auto writer = capture::PcapWriter::create(path, *link);
  if (!writer) return std::unexpected(writer.error());
  return std::unique_ptr<RunCapture>(new RunCapture(std::move(*live), std::move(*writer), *link));
}

void RunCapture::decode_live() {
  capture::DecoderOptions o;
  o.source_name = "live capture on " + live_.interface();
  decoder_ = std::make_unique<capture::Decoder>(
      link_, o,
      [this](const sip::WireBytes& p) {
        messages_.push_back({static_cast<const sip::Wire&>(p), sip::Message(std::string(p.bytes))});
      },
      // Damage is reported when the file is read and checked; here only messages matter.
      [](const core::Diagnostic&) {});
}

void RunCapture::narrow(const scenario::RoleMap& roles) {
  std::set<std::uint16_t> ports;
  for (const auto& [role, addresses] : roles.roles) {
    for (const scenario::RoleAddress& a : addresses) {
      if (!a.port || *a.port == 0) return;  // any port: only the host filter fits
      ports.insert(*a.port);
    }
  }
  if (ports.empty()) return;
  std::string match;
  for (std::uint16_t p : ports) match += (match.empty() ? "" : " or ") + ("port " + std::to_string(p));
  auto set = live_.set_filter("(" + match + ") or (ip and ip[6:2] & 0x1fff != 0) or (ip6 and ip6[6] == 44)");
  if (!set && error_.empty()) error_ = set.error();
}

void RunCapture::drain() {
  if (decoder_) {
    auto n = live_.dispatch([this](const capture::Frame& f) {
      writer_.write(f.time, f.data, f.wire_length);
      decoder_->feed(f);
    });
    if (!n && error_.empty()) error_ = n.error();
    return;
  }
  auto n = live_.dispatch(writer_);
  if (!n && error_.empty()) error_ = n.error();
}

std::string RunCapture::finish() {
  drain();
  auto closed = writer_.close();
  if (!closed && error_.empty()) error_ = closed.error();
  return error_;
}

RunCapture::Stats RunCapture::stats() const {
  auto s = live_.stats();
  return {s.received, s.dropped};
}

}  // namespace ladder::usecase
