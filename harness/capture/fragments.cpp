#include "capture/fragments.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "capture/text.h"

namespace ladder::capture::detail {
namespace {

constexpr std::uint32_t kMaxDatagram = 65535;
// Linux gives up on a fragment set after 30 s (ipfrag_time); a set older than that is stale and
// must not swallow a later datagram that reuses the 16-bit IPv4 id.
constexpr core::TimeNs kFragmentLifetime = 30'000'000'000;

std::string describe(const FragmentKey& k) {
  char id[16];
  std::snprintf(id, sizeof id, "0x%x", static_cast<unsigned>(k.id));
  return cat(k.src.family == 4 ? "IPv4" : "IPv6", " fragments ", k.src.to_string(), " -> ",
             k.dst.to_string(), " (id ", id, ")");
}

}  // namespace

std::size_t FragmentKeyHash::operator()(const FragmentKey& k) const noexcept {
  core::EndpointHash h;
  return h(core::Endpoint{k.src, 0}) ^ (h(core::Endpoint{k.dst, 1}) * 31) ^
         (std::size_t{k.id} << 8) ^ k.protocol;
}

std::optional<Reassembled> Reassembler::add(const FragmentKey& key, std::uint32_t offset, bool more,
                                            Bytes payload, const Frame& frame) {
  std::uint64_t end = std::uint64_t{offset} + payload.size();
  if (end > kMaxDatagram) {
    out_.damaged(frame.number, cat(describe(key), ": fragment at offset ", offset, " with ",
                                   payload.size(), " bytes ends past 65535; fragment ignored"));
    return std::nullopt;
  }
  // Bound memory before taking anything in; duplicates of one set count too.
  while (pending_ >= out_.options().max_pending_fragments && !sets_.empty()) evict_oldest();
  auto it = sets_.find(key);
  if (it != sets_.end() && frame.time - it->second.first_time > kFragmentLifetime) {
    report_unfinished(key, it->second, "timed out after 30 s");
    drop(it);
    it = sets_.end();
  }
  if (it == sets_.end()) {
    it = sets_.emplace(key, Set{}).first;
    it->second.first_frame = frame.number;
    it->second.first_time = frame.time;
  }
  Set& set = it->second;
  if (!more) {
    if (set.total && *set.total != end) {
      out_.damaged(frame.number, cat(describe(key), ": two last fragments disagree on the length (",
                                     *set.total, " and ", end, "); datagram dropped"));
      drop(it);
      return std::nullopt;
    }
    set.total = static_cast<std::uint32_t>(end);
  }
  // Either this fragment ends past the known end, or it is the last one and an earlier
  // fragment already went further: the set is inconsistent either way.
  std::uint64_t furthest = std::max(set.furthest, end);
  if (set.total && furthest > *set.total) {
    out_.damaged(frame.number, cat(describe(key), ": fragment ends at ", furthest,
                                   " past the datagram's end ", *set.total, "; datagram dropped"));
    drop(it);
    return std::nullopt;
  }
  if (!payload.empty() || !more) {
    set.pieces.push_back(Piece{offset, {payload.begin(), payload.end()}});
    set.bytes += payload.size();
    set.furthest = furthest;
    ++pending_;
  }
  if (!complete(set)) return std::nullopt;
  Reassembled r = assemble(set);
  drop(it);
  return r;
}

bool Reassembler::complete(const Set& set) {
  if (!set.total) return false;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
  spans.reserve(set.pieces.size());
  for (const Piece& p : set.pieces) {
    spans.emplace_back(p.offset, p.offset + static_cast<std::uint32_t>(p.bytes.size()));
  }
  std::sort(spans.begin(), spans.end());
  std::uint32_t covered = 0;
  for (auto [from, to] : spans) {
    if (from > covered) return false;
    covered = std::max(covered, to);
  }
  return covered >= *set.total;
}

Reassembled Reassembler::assemble(const Set& set) {
  Reassembled r;
  r.bytes.resize(*set.total);
  r.first_frame = set.first_frame;
  // Newest first, so that where fragments overlap the first one to arrive wins (as BSD and
  // Wireshark do; RFC 5722 would drop the IPv6 datagram, but a capture should show what came).
  for (auto p = set.pieces.rbegin(); p != set.pieces.rend(); ++p) {
    if (!p->bytes.empty())
      std::memcpy(r.bytes.data() + p->offset, p->bytes.data(), p->bytes.size());
  }
  return r;
}

void Reassembler::drop(Sets::iterator it) {
  pending_ -= it->second.pieces.size();
  sets_.erase(it);
}

void Reassembler::evict_oldest() {
  auto oldest = std::min_element(sets_.begin(), sets_.end(), [](const auto& a, const auto& b) {
    return a.second.first_frame < b.second.first_frame;
  });
  if (oldest == sets_.end()) return;
  report_unfinished(oldest->first, oldest->second, "given up: too many fragments pending");
  drop(oldest);
}

void Reassembler::report_unfinished(const FragmentKey& key, const Set& set, const char* why) {
  std::string total = set.total ? std::to_string(*set.total) : std::string("?");
  out_.warning(set.first_frame, cat(describe(key), ": datagram never completed (", why, "); have ",
                                    set.bytes, " of ", total, " bytes in ", set.pieces.size(),
                                    " fragment", set.pieces.size() == 1 ? "" : "s"));
}

void Reassembler::finish() {
  // Report in capture order so the output is stable.
  std::vector<Sets::iterator> left;
  for (auto it = sets_.begin(); it != sets_.end(); ++it) left.push_back(it);
  std::sort(left.begin(), left.end(),
            [](auto a, auto b) { return a->second.first_frame < b->second.first_frame; });
  for (auto it : left) report_unfinished(it->first, it->second, "capture ended");
  sets_.clear();
  pending_ = 0;
}

}  // namespace ladder::capture::detail
