// Private: the SIP messages one user agent sent and received, read back from Sofia's transport
// dump (TPTAG_DUMP). Sofia writes every datagram and every TCP chunk it sends or receives, byte
// for byte, after a stamp line:
//
//   sent 519 bytes to udp/[127.0.0.1]:47755 at 09:02:38.383339:\n<519 bytes>\v\n
//   recv 967 bytes from tcp/[::1]:52906 at 09:02:42.169323:\n<967 bytes>\v\n
//
// The stamp's time is UTC time of day (tv_sec % 86400). TCP chunks are cut into SIP messages
// here (Content-Length framing, per peer and direction); non-SIP datagrams (Sofia's "TEST"
// probe) and CRLF keep-alives are dropped. A record may hold fewer bytes than its stamp says
// (see DumpMessage::body_missing): its end is the "\v\n" followed by the next stamp.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

namespace ladder::engine {

struct DumpMessage {
  bool sent = false;  ///< by the role; false: received
  core::Transport transport = core::Transport::udp;
  core::Endpoint peer;
  core::TimeNs time = 0;
  std::string bytes;  ///< one whole SIP message (see body_missing)
  /// Sofia 1.12.11 writes only the first iovec of a message it sends (tport_dump_iovec tests
  /// fwrite(buf, len, 1, f) != len), so a sent message's body, held in a second iovec, is not
  /// in the dump: `bytes` then ends after the header section and this many body bytes are
  /// missing. The engine fills them in from the bodies its agents passed to nua.
  std::size_t body_missing = 0;
};

/// One stamp line parsed. Empty when `line` is not one.
struct DumpStamp {
  bool sent = false;
  std::size_t size = 0;
  core::Transport transport = core::Transport::udp;
  core::Endpoint peer;
  std::int64_t time_of_day_us = 0;  ///< UTC microseconds since midnight
};
std::optional<DumpStamp> parse_stamp(std::string_view line);

/// Places a UTC time of day on the day of `now` (the day before when it would be in the future
/// by more than an hour: a stamp written just before midnight, read just after).
core::TimeNs place_time_of_day(std::int64_t time_of_day_us, core::TimeNs now);

/// Incremental parser of a dump's bytes. feed() takes what was appended to the file since the
/// last call (any split) and returns the whole SIP messages completed by it.
class DumpParser {
 public:
  std::vector<DumpMessage> feed(std::string_view appended, core::TimeNs now);
  /// Bytes that did not parse as a dump record (should stay 0; kept for diagnostics).
  std::uint64_t skipped() const { return skipped_; }

 private:
  void emit_stream(const DumpStamp& stamp, std::string_view chunk, core::TimeNs t,
                   std::vector<DumpMessage>& out);
  std::string pending_;  ///< unparsed tail of the file
  /// TCP bytes waiting for the rest of their message, per direction and peer.
  std::map<std::string, std::string, std::less<>> streams_;
  std::uint64_t skipped_ = 0;
};

/// Reads what was appended to a dump file since the last call. Missing file: nothing yet.
/// `truncate` (load mode): the file is emptied once the reads have taken 1 MiB of it, so a long
/// run keeps at most that. Safe because Sofia opens the dump for appending ("ab": every write
/// goes to the end, also after a truncation) and writes it on the same thread as the reader.
class DumpTail {
 public:
  explicit DumpTail(std::string path, bool truncate = false)
      : path_(std::move(path)), truncate_(truncate) {}
  ~DumpTail();
  DumpTail(const DumpTail&) = delete;
  DumpTail& operator=(const DumpTail&) = delete;
  std::vector<DumpMessage> poll(core::TimeNs now);
  const std::string& path() const { return path_; }

 private:
  std::vector<DumpMessage> poll_truncating(core::TimeNs now);
  static constexpr std::uint64_t kTruncateAt = 1 << 20;
  std::string path_;
  bool truncate_ = false;
  int fd_ = -1;  ///< truncate: kept open
  std::uint64_t offset_ = 0;
  DumpParser parser_;
};

/// Wall-clock now, nanoseconds since the epoch.
core::TimeNs now_ns();

}  // namespace ladder::engine
