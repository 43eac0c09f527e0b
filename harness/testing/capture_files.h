// Test-only helpers around ladder::capture: temporary pcap files written through PcapWriter, and
// decoding runs that collect everything into plain values for assertions.
// Lives in ladder_testing_capture (not ladder_testing) so that tests of modules below capture do
// not link libpcap.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "testing/packets.h"

namespace ladder::testing {

/// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  /// Path of `name` inside the directory (not created).
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

/// Writes `frames` to `path` as a pcap of `link`, 1 ms apart from `start`. Aborts on failure.
void write_pcap(const std::string& path, capture::LinkType link, const std::vector<Bytes>& frames,
                core::TimeNs start = 1'700'000'000'000'000'000);

/// A sip::WireBytes copied out of the callback.
struct Message {
  std::uint64_t frame = 0;
  std::uint64_t first_frame = 0;
  core::TimeNs time = 0;
  std::string src;  ///< "10.0.0.1:5060"
  std::string dst;
  core::Transport transport = core::Transport::udp;
  std::string bytes;
  bool incomplete = false;

  /// The first line, without CRLF: "INVITE sip:b@example.com SIP/2.0".
  std::string start_line() const;
};

struct Decoded {
  std::vector<Message> messages;
  std::vector<std::string> diagnostics;  ///< Diagnostic::format() of each
  capture::DecodeStats stats;
  bool complete = true;  ///< read_file only
  std::string error;     ///< read_file only: ReadResult::error or the open error
};

/// Feeds `frames` (numbered from 1) to a Decoder, then finish().
Decoded decode(capture::LinkType link, const std::vector<Bytes>& frames,
               capture::DecoderOptions options = {});

/// read_capture() on `path`; an open error lands in `error` with complete = false.
Decoded read_file(const std::string& path);

}  // namespace ladder::testing
