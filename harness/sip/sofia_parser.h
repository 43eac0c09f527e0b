// Private: the Sofia-SIP adapter's result, in the project's own types. No Sofia type here.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/sip.h"

namespace ladder::sip {

/// What Sofia's parser made of a message: validity facts and the structure it could parse.
struct SofiaResult {
  bool parsed = false;           ///< msg_make() returned a message at all
  bool has_error = false;        ///< msg_has_error(): framing or start-line failure
  bool has_start_line = false;   ///< a request or status line was recognised
  std::vector<std::string> bad_headers;  ///< er_name of each header Sofia could not parse
  /// Name of each single-instance header (Call-ID, CSeq, Max-Forwards ...) seen more than once.
  std::vector<std::string> repeated_headers;
  bool has_call_id = false, has_cseq = false, has_from = false, has_to = false, has_via = false;

  std::optional<Uri> request_uri;
  std::optional<NameAddr> from, to;
  std::vector<NameAddr> contacts, record_routes, routes;
  std::vector<Via> vias;
  std::optional<int> max_forwards;
  std::optional<std::string> content_type;  ///< "type/subtype", without parameters
};

/// Parses one whole message with Sofia-SIP. Never throws for bad input; thread-safe (no
/// shared state beyond Sofia's constant message class).
SofiaResult parse_with_sofia(std::string_view bytes);

/// Sofia's URI parser (url_d) behind parse_uri().
std::optional<Uri> parse_uri_with_sofia(std::string_view text);

}  // namespace ladder::sip
