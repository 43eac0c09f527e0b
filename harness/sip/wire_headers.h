// Private: the header lines of a message as on the wire, for Message::header() and friends.
#pragma once

#include <forward_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/bulk.h"

namespace ladder::sip {

struct WireHeader {
  std::string_view canonical;  ///< canonical_name() of the wire name (static or into bytes)
  int id = -1;                 ///< header_id(), -1 for headers outside the well-known table
  /// Trimmed; each fold (CRLF + whitespace) becomes one SP. Points into the message bytes, or
  /// into WireIndex::folded for folded lines (rare), so building the index copies nothing.
  std::string_view value;
};

struct Summary;

/// scan(), and in the same pass every header line of `bytes` in wire order into `index` (when
/// not null), up to the blank line (or the end when there is none). Lines without a colon are
/// skipped. Views point into `bytes`, `folded` (the unfolded text of folded lines, which are
/// rare; a forward_list keeps addresses and allocates nothing while empty) or static storage:
/// `bytes` must outlive the index.
Summary scan_indexed(std::string_view bytes, std::vector<WireHeader>* index,
                     std::forward_list<std::string>* folded);

/// Appends one header line to an index: `value` as walk_headers() gives it, its folds (when
/// `is_folded`) turned into one SP each, the text kept in `folded`; `id` is header_id(name).
void add_header(std::vector<WireHeader>& index, std::forward_list<std::string>& folded,
                std::string_view name, std::string_view value, bool is_folded, int id);

/// The values of one header: one per line, and for list headers one per comma-separated element.
std::vector<std::string> header_values(const std::vector<WireHeader>& headers,
                                       std::string_view name);

/// header_values() as views into the index (valid while the message lives).
Views header_views_of(const std::vector<WireHeader>& headers,
                                              std::string_view name);
/// first_header() as a view.
std::optional<std::string_view> first_view(const std::vector<WireHeader>& headers,
                                           std::string_view name);

/// header_values(headers, name).size(), without building the values.
std::size_t count_values(const std::vector<WireHeader>& headers, std::string_view name);

/// The first value of a header: the first line's value, or for list headers its first element.
/// Empty optional when absent.
std::optional<std::string> first_header(const std::vector<WireHeader>& headers,
                                        std::string_view name);

}  // namespace ladder::sip
