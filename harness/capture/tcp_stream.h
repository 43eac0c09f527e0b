// TCP stream reassembly: per-direction byte streams in sequence order, fed to SipFramer.
// Private to capture.
//
// Each direction (keyed by source and destination endpoint) tracks the next expected sequence
// number as a 64-bit offset, so wrap-around at 2^32 needs no special case. Segments ahead of it
// wait (up to DecoderOptions::max_stream_buffer bytes) until the hole fills. A hole is given up
// on, with a warning, when the other side acknowledges bytes the capture never showed, when the
// waiting bytes exceed the bound, when it stays open for tcp_hole_timeout, or at finish().
#pragma once

#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "capture/sip_framer.h"

namespace ladder::capture::detail {

struct TcpSegment {
  core::Endpoint src;
  core::Endpoint dst;
  std::uint32_t seq = 0;
  std::uint32_t ack = 0;
  std::uint8_t flags =
      0;  ///< TCP flag bits as on the wire (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10)
  Bytes payload;
  SegmentMeta meta;
};

class TcpStreams {
 public:
  explicit TcpStreams(Output& out) : out_(out) {}
  ~TcpStreams();
  TcpStreams(const TcpStreams&) = delete;
  TcpStreams& operator=(const TcpStreams&) = delete;

  void segment(const TcpSegment& s);
  /// Gives up every open hole (with warnings) and passes on unfinished messages as incomplete.
  void finish();

 private:
  struct Held {
    std::vector<std::uint8_t> bytes;
    std::uint32_t seq = 0;
    SegmentMeta meta;
  };
  struct Direction {
    Direction(Output& out, const core::Endpoint& src, const core::Endpoint& dst,
              std::uint64_t order)
        : framer(out, src, dst), created(order) {}
    SipFramer framer;
    std::uint64_t created;  ///< creation order, for deterministic finish()
    bool started = false;
    bool closed = false;         ///< FIN reached in order, or RST: later bytes are stale
    std::uint32_t next_seq = 0;  ///< wire sequence number of the next in-order byte
    std::uint64_t next_off = 0;  ///< the same as an offset that does not wrap
    std::uint64_t fin_off = UINT64_MAX;
    std::map<std::uint64_t, Held> held;  ///< out-of-order segments by offset
    std::size_t held_bytes = 0;
    core::TimeNs held_since = 0;
    core::TimeNs last_time = 0;
  };
  struct Key {
    core::Endpoint src;
    core::Endpoint dst;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept;
  };
  using Map = std::unordered_map<Key, std::unique_ptr<Direction>, KeyHash>;

  Direction& direction(const core::Endpoint& src, const core::Endpoint& dst);
  void restart(Direction& d, std::uint32_t first_seq);
  void place(Direction& d, std::uint64_t off, Bytes data, std::uint32_t seq,
             const SegmentMeta& meta);
  void deliver(Direction& d, Bytes data, const SegmentMeta& meta);
  /// Delivers held segments the stream has caught up with. `trigger` is the frame that filled
  /// the hole (messages completed now carry its number); null when a hole was given up.
  void drain(Direction& d, const SegmentMeta* trigger);
  void skip_hole(Direction& d);
  void close(Direction& d);
  void evict();

  Output& out_;
  Map streams_;
  std::uint64_t created_ = 0;
};

}  // namespace ladder::capture::detail
