// SIP framing on one in-order TCP byte stream (RFC 3261 section 18.3). Private to capture.
//
// Bytes come in as TCP delivers them; whole messages go out through Output, each with the frame
// that completed it and the frame where it started. A message that fits in the bytes of one
// call is passed on straight from the frame; only an unfinished tail is copied.
#pragma once

#include <string>

#include "capture/bytes.h"
#include "capture/output.h"

namespace ladder::capture::detail {

/// Which frames a run of bytes came from.
struct SegmentMeta {
  std::uint64_t frame = 0;
  std::uint64_t first_frame = 0;  ///< differs from frame when IP fragments carried the segment
  core::TimeNs time = 0;
};

class SipFramer {
 public:
  SipFramer(Output& out, const core::Endpoint& src, const core::Endpoint& dst)
      : out_(&out), src_(src), dst_(dst) {}

  /// The next in-order bytes of the stream.
  void feed(Bytes data, const SegmentMeta& meta);
  /// Bytes are missing before what comes next: the message in progress is passed on marked
  /// incomplete and framing resumes at the next start line.
  void gap();
  /// The stream is over: the message in progress is passed on marked incomplete.
  void finish();
  /// A new connection on the same 4-tuple: finish() and forget everything.
  void reset();

  /// True once the stream has carried SIP (so trouble in it is worth a warning).
  bool carries_sip() const { return sip_seen_; }
  /// "TCP 10.0.0.1:5060 -> 10.0.0.2:40000", for diagnostics.
  std::string flow() const;

 private:
  enum class Mode { at_message, hunting };

  void emit(std::string_view bytes, std::uint64_t first_frame, const SegmentMeta& at,
            bool incomplete);
  void flush_partial();

  Output* out_;
  core::Endpoint src_;
  core::Endpoint dst_;
  Mode mode_ = Mode::at_message;
  bool sip_seen_ = false;
  bool after_gap_ = false;             ///< the next bytes may start in the middle of a line
  std::string buf_;                    ///< unfinished message (or line, when hunting)
  std::uint64_t buf_first_frame_ = 0;  ///< where buf_ started
  SegmentMeta last_;                   ///< last frame that added to buf_
};

}  // namespace ladder::capture::detail
