// IPv4 / IPv6 fragment reassembly. Private to capture.
//
// Memory is bounded: at most DecoderOptions::max_pending_fragments fragments are held (the oldest
// set is given up when more arrive), and no set may grow past 65535 bytes of payload, the most
// one IP datagram can carry.
#pragma once

#include <optional>
#include <unordered_map>
#include <vector>

#include "capture/bytes.h"
#include "capture/output.h"

namespace ladder::capture::detail {

/// RFC 791 / RFC 8200 say what identifies a datagram: both addresses, the id and the protocol.
struct FragmentKey {
  core::Address src;
  core::Address dst;
  std::uint32_t id = 0;
  std::uint8_t protocol = 0;
  bool operator==(const FragmentKey&) const = default;
};

struct FragmentKeyHash {
  std::size_t operator()(const FragmentKey& k) const noexcept;
};

struct Reassembled {
  std::vector<std::uint8_t> bytes;
  std::uint64_t first_frame = 0;  ///< lowest frame number that carried part of it
};

class Reassembler {
 public:
  explicit Reassembler(Output& out) : out_(out) {}

  /// Takes one fragment; returns the datagram's payload once no hole is left.
  std::optional<Reassembled> add(const FragmentKey& key, std::uint32_t offset, bool more,
                                 Bytes payload, const Frame& frame);

  /// Reports every set still waiting for fragments.
  void finish();

  std::size_t pending_fragments() const { return pending_; }

 private:
  struct Piece {
    std::uint32_t offset = 0;
    std::vector<std::uint8_t> bytes;
  };
  struct Set {
    std::vector<Piece> pieces;  ///< in arrival order: earlier data wins on overlap
    std::uint64_t first_frame = 0;
    core::TimeNs first_time = 0;
    std::optional<std::uint32_t> total;  ///< known once the last fragment (MF=0) arrives
    std::size_t bytes = 0;
    std::uint64_t furthest = 0;  ///< highest end offset of any piece, checked against total
  };
  using Sets = std::unordered_map<FragmentKey, Set, FragmentKeyHash>;

  static bool complete(const Set& set);
  static Reassembled assemble(const Set& set);
  void report_unfinished(const FragmentKey& key, const Set& set, const char* why);
  void drop(Sets::iterator it);
  void evict_oldest();

  Output& out_;
  Sets sets_;
  std::size_t pending_ = 0;
};

}  // namespace ladder::capture::detail
