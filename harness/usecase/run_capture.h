// The live capture of `ladder run`: which interface, which filter, written to the run's pcap.
// Private to ladder::usecase.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "capture/capture.h"
#include "scenario/scenario.h"

namespace ladder::usecase {

/// The testbed's capture.interface, else `lo` when every role address is loopback, else `any`.
std::string capture_interface(const scenario::Testbed& testbed, const std::string& override_if);

/// A BPF filter for the testbed's traffic: the ports of its DUT and external roles (every
/// proxied UDP message touches one) or, over TCP or when none has a fixed port, the role hosts;
/// IP fragments after the first carry no ports and are always let through.
std::string capture_filter(const scenario::Testbed& testbed);

class RunCapture {
 public:
  static std::expected<std::unique_ptr<RunCapture>, std::string> open(
      const scenario::Testbed& testbed, const std::string& override_if, const std::string& path);

  int fd() const { return live_.fd(); }
  const std::string& interface() const { return live_.interface(); }
  /// Once every role's port is known (played roles bound): watch only those ports. Until then
  /// a TCP testbed can only be filtered by host, and on a shared machine every other loopback
  /// test's traffic then filled the ring ("N dropped by the kernel": a false red, issue 11).
  /// Roles bound to any port keep the host filter.
  void narrow(const scenario::RoleMap& roles);
  /// Writes every waiting frame; the first error is kept for finish().
  void drain();
  /// Decodes the frames drain() takes from now on, for take_messages() (a driven handset's
  /// steps are followed through the capture while the run goes on).
  void decode_live();
  /// The SIP messages decoded since the last call.
  std::vector<sip::WireMessage> take_messages() { return std::exchange(messages_, {}); }
  /// Takes what is left, closes the file. Empty, or the first error.
  std::string finish();

  struct Stats {
    std::uint64_t frames = 0;
    std::uint64_t dropped = 0;
  };
  Stats stats() const;

 private:
  RunCapture(capture::LiveCapture live, capture::PcapWriter writer, capture::LinkType link)
      : live_(std::move(live)), writer_(std::move(writer)), link_(link) {}
  capture::LiveCapture live_;
  capture::PcapWriter writer_;
  capture::LinkType link_;
  std::unique_ptr<capture::Decoder> decoder_;
  std::vector<sip::WireMessage> messages_;
  std::string error_;
};

}  // namespace ladder::usecase
