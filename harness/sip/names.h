// Private: which header names are comma-separated lists (RFC 3261 "#" grammar and extensions).
#pragma once

#include <string_view>

namespace ladder::sip {

/// True for headers whose values may be comma-separated lists (Via, Route, Contact, Allow ...).
/// Unknown headers are not lists: splitting them could cut a single value (a date, a
/// challenge) in two, while not splitting a list only leaves it whole.
/// `canonical` must come from canonical_name().
bool is_list_header(std::string_view canonical);

}  // namespace ladder::sip
