// Private: which header names are comma-separated lists (RFC 3261 "#" grammar and extensions).
#pragma once

#include <string_view>

namespace ladder::sip {

/// True for headers whose values may be comma-separated lists (Via, Route, Contact, Allow ...).
/// Unknown headers are not lists: splitting them could cut a single value (a date, a
/// challenge) in two, while not splitting a list only leaves it whole.
/// `canonical` must come from canonical_name().
bool is_list_header(std::string_view canonical);

/// A small id for a well-known header name (long or compact form, any case); -1 for others.
/// Equal ids mean the same header, so lookups compare integers instead of names.
int header_id(std::string_view name);
/// The conventional spelling of a well-known header id.
std::string_view known_name(int id);
bool is_list_header(int id);

}  // namespace ladder::sip
