// ladder::trace: the SIP messages of a capture as records, grouped into calls.
//
// Sits on capture (what it reads: sip::WireBytes) and sip (scan / full parse); used by `ladder
// show`. Memory stays bounded by the number of calls, not packets: records are handed to a
// sink, and only per-call aggregates are kept.
//
// Threading: single-threaded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/capture.h"
#include "core/core.h"

namespace ladder::trace {

/// One SIP message as seen on the wire (where and when: the sip::Wire it came in), with the
/// fields `show` prints, owning them.
struct Record : sip::Wire {
  std::size_t size = 0;

  bool is_request = false;
  std::string method;  ///< requests
  std::string uri;     ///< requests
  int status = 0;      ///< responses
  std::string reason;  ///< responses
  std::uint32_t cseq = 0;
  std::string cseq_method;
  std::string call_id;
  std::string branch;

  bool retransmission = false;  ///< same hop, same transaction, same start line seen before
  std::uint64_t retransmission_of = 0;  ///< frame of the first copy, when retransmission
  bool malformed = false;
  std::string problem;          ///< why malformed

  /// "INVITE" or "180 Ringing".
  std::string label() const;
};

/// Per-call aggregate (a "call" is one Call-ID).
struct CallSummary {
  std::string call_id;
  std::uint64_t first_frame = 0;
  core::TimeNs first_time = 0;
  core::TimeNs last_time = 0;
  std::uint64_t messages = 0;
  std::uint64_t retransmissions = 0;
  std::uint64_t malformed = 0;
  std::string method;   ///< method of the call's first request
  int final_status = 0; ///< last final response (>= 200) to that method; 0 if none seen
};

struct TraceOptions {
  /// Full Sofia parse of every message, so `malformed` reflects the parser's verdict. Off: only
  /// the fast scan's structural checks (what --summary uses, for speed).
  bool full_parse = true;
  /// Only this Call-ID (empty: all).
  std::string call_id;
};

/// Builds records from payloads. Feed it from capture::read_capture's payload sink.
class Tracer {
 public:
  using RecordSink = std::function<void(const Record&)>;

  Tracer(TraceOptions options, RecordSink on_record);
  ~Tracer();
  Tracer(Tracer&&) noexcept;
  Tracer& operator=(Tracer&&) noexcept;

  void add(const sip::WireBytes& payload);

  /// Calls in order of first appearance.
  std::vector<CallSummary> calls() const;
  std::uint64_t messages() const;
  core::TimeNs first_time() const;  ///< time of the first SIP message (0 when none)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ladder::trace
