#include "capture/tcp_stream.h"

#include <algorithm>

#include "capture/text.h"

namespace ladder::capture::detail {
namespace {

constexpr std::uint8_t kFin = 0x01;
constexpr std::uint8_t kSyn = 0x02;
constexpr std::uint8_t kRst = 0x04;
constexpr std::uint8_t kAck = 0x10;

// Signed distance between sequence numbers (RFC 1982 serial arithmetic).
std::int64_t seq_diff(std::uint32_t a, std::uint32_t b) { return static_cast<std::int32_t>(a - b); }

}  // namespace

std::size_t TcpStreams::KeyHash::operator()(const Key& k) const noexcept {
  core::EndpointHash h;
  return h(k.src) * 31 + h(k.dst);
}

TcpStreams::~TcpStreams() = default;

TcpStreams::Direction& TcpStreams::direction(const core::Endpoint& src, const core::Endpoint& dst) {
  auto it = streams_.find(Key{src, dst});
  if (it != streams_.end()) return *it->second;
  if (streams_.size() >= out_.options().max_tcp_streams) evict();
  auto d = std::make_unique<Direction>(out_, src, dst, created_++);
  return *streams_.emplace(Key{src, dst}, std::move(d)).first->second;
}

void TcpStreams::restart(Direction& d, std::uint32_t first_seq) {
  d.framer.reset();
  d.started = true;
  d.closed = false;
  d.next_seq = first_seq;
  d.next_off = 0;
  d.fin_off = UINT64_MAX;
  d.held.clear();
  d.held_bytes = 0;
}

void TcpStreams::segment(const TcpSegment& s) {
  DecodeStats& stats = out_.stats();
  ++stats.tcp_segments;
  Direction& d = direction(s.src, s.dst);
  d.last_time = s.meta.time;

  std::uint32_t data_seq = s.seq;
  if (s.flags & kSyn) {
    data_seq = s.seq + 1;
    // A retransmitted SYN repeats the same number; any other SYN starts a new connection on
    // this 4-tuple.
    bool repeated = d.started && !d.closed && d.next_off == 0 && data_seq == d.next_seq;
    if (!repeated) restart(d, data_seq);
  } else if (!d.started) {
    if (s.flags & kRst) return;
    // Joined mid-stream: the first segment seen sets the baseline.
    d.started = true;
    d.next_seq = s.seq;
  }

  if (!d.closed) {
    std::int64_t rel = static_cast<std::int64_t>(d.next_off) + seq_diff(data_seq, d.next_seq);
    if (rel < 0) {
      // Before the first byte we took in: only a retransmission can be there.
      if (!s.payload.empty()) ++stats.tcp_retransmissions;
    } else {
      auto off = static_cast<std::uint64_t>(rel);
      if (s.flags & kFin) d.fin_off = off + s.payload.size();
      if (!s.payload.empty()) place(d, off, s.payload, data_seq, s.meta);
    }
    if (s.flags & kRst) {
      close(d);  // the sender aborted: what it still owed will never come
    } else if (d.next_off >= d.fin_off) {
      close(d);
    } else if (!d.held.empty() && s.meta.time - d.held_since > out_.options().tcp_hole_timeout) {
      skip_hole(d);
    }
  }

  // The other side acknowledging bytes past our hole means they were sent and received: the
  // capture lost them and no retransmission will show them.
  if (s.flags & kAck) {
    auto rev = streams_.find(Key{s.dst, s.src});
    if (rev != streams_.end()) {
      Direction& r = *rev->second;
      while (r.started && !r.closed && !r.held.empty() && seq_diff(s.ack, r.next_seq) > 0) {
        skip_hole(r);
      }
    }
  }
}

void TcpStreams::place(Direction& d, std::uint64_t off, Bytes data, std::uint32_t seq,
                       const SegmentMeta& meta) {
  DecodeStats& stats = out_.stats();
  const std::size_t max = out_.options().max_stream_buffer;
  while (true) {
    if (off + data.size() <= d.next_off) {
      ++stats.tcp_retransmissions;
      return;
    }
    if (off <= d.next_off) {
      std::size_t overlap = d.next_off - off;
      if (overlap != 0) ++stats.tcp_retransmissions;
      deliver(d, data.subspan(overlap), meta);
      drain(d, &meta);
      return;
    }
    if (d.held_bytes + data.size() <= max) break;
    if (d.held.empty() || d.held.begin()->first > off) {
      // This segment comes before everything held (or is bigger than the whole buffer): the
      // hole to give up is the one right before it. An empty placeholder marks where it ends.
      d.held.emplace(off, Held{{}, seq, meta});
    }
    skip_hole(d);
  }
  auto [it, inserted] = d.held.try_emplace(off);
  if (!inserted && it->second.bytes.size() >= data.size()) {
    ++stats.tcp_retransmissions;
    return;
  }
  if (d.held.size() == 1) d.held_since = meta.time;
  d.held_bytes += data.size() - it->second.bytes.size();
  it->second.bytes.assign(data.begin(), data.end());
  it->second.seq = seq;
  it->second.meta = meta;
}

void TcpStreams::deliver(Direction& d, Bytes data, const SegmentMeta& meta) {
  d.next_off += data.size();
  d.next_seq += static_cast<std::uint32_t>(data.size());
  d.framer.feed(data, meta);
}

void TcpStreams::drain(Direction& d, const SegmentMeta* trigger) {
  while (!d.held.empty() && d.held.begin()->first <= d.next_off) {
    auto first = d.held.begin();
    std::uint64_t off = first->first;
    Held h = std::move(first->second);
    d.held.erase(first);
    d.held_bytes -= h.bytes.size();
    if (off + h.bytes.size() <= d.next_off) {
      if (!h.bytes.empty()) ++out_.stats().tcp_retransmissions;
      continue;
    }
    Bytes rest = Bytes(h.bytes).subspan(d.next_off - off);
    // As Wireshark does, a message is shown at the frame where its last byte became available.
    SegmentMeta at = h.meta;
    if (trigger != nullptr) {
      at.frame = trigger->frame;
      at.time = trigger->time;
    }
    deliver(d, rest, at);
  }
  if (!d.held.empty()) d.held_since = d.held.begin()->second.meta.time;
}

void TcpStreams::skip_hole(Direction& d) {
  if (d.held.empty()) return;
  const auto& [off, first] = *d.held.begin();
  std::uint64_t missing = off - d.next_off;
  ++out_.stats().tcp_gaps;
  if (d.framer.carries_sip()) {
    out_.warning(first.meta.frame, cat(d.framer.flow(), ": ", missing, " bytes missing before seq ",
                                       first.seq, "; skipping to the next SIP message"));
  }
  d.framer.gap();
  d.next_seq = first.seq;
  d.next_off = off;
  drain(d, nullptr);
}

void TcpStreams::close(Direction& d) {
  d.held.clear();
  d.held_bytes = 0;
  d.framer.finish();
  d.closed = true;
}

void TcpStreams::evict() {
  // Closed directions first; then the half that has been quiet longest. Each is finished
  // properly, so nothing is dropped silently.
  std::vector<Map::iterator> victims;
  for (auto it = streams_.begin(); it != streams_.end(); ++it) {
    if (it->second->closed) victims.push_back(it);
  }
  if (victims.size() < streams_.size() / 4) {
    victims.clear();
    for (auto it = streams_.begin(); it != streams_.end(); ++it) victims.push_back(it);
    auto half = victims.begin() + static_cast<std::ptrdiff_t>(victims.size() / 2);
    std::nth_element(victims.begin(), half, victims.end(),
                     [](auto a, auto b) { return a->second->last_time < b->second->last_time; });
    victims.erase(half + (victims.size() > 1 ? 0 : 1), victims.end());
  }
  for (auto it : victims) {
    Direction& d = *it->second;
    while (!d.held.empty()) skip_hole(d);
    d.framer.finish();
    streams_.erase(it);
  }
}

void TcpStreams::finish() {
  std::vector<Direction*> all;
  all.reserve(streams_.size());
  for (auto& [key, d] : streams_) all.push_back(d.get());
  std::sort(all.begin(), all.end(), [](auto a, auto b) { return a->created < b->created; });
  for (Direction* d : all) {
    while (!d->held.empty()) skip_hole(*d);
    d->framer.finish();
  }
  streams_.clear();
}

}  // namespace ladder::capture::detail
