// Private: header syntax that Sofia-SIP 1.12.11 accepts although RFC 3261 25.1 does not, checked
// on the wire text so a message that a strict stack would answer with 400 is reported malformed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ladder::sip {

struct WireHeader;

/// The flaw of a name-addr value (From, To, Contact, Route, Record-Route ...), or nullptr:
/// "whitespace inside <>" (name-addr = [ display-name ] LAQUOT addr-spec RAQUOT, and an
/// addr-spec holds no LWS; RFC 4475 3.1.2.14).
const char* name_addr_flaw(std::string_view value);

/// The flaw of a credentials or challenge value (Authorization, Proxy-Authorization,
/// WWW-Authenticate, Proxy-Authenticate), or nullptr: "auth parameters are not separated by
/// commas" (25.1: digest-response = dig-resp *(COMMA dig-resp)), "an auth parameter is not
/// name=value".
const char* auth_flaw(std::string_view value);

/// "bad <Name> header: '<value>' (<flaw>)" for the first header line with one of the flaws
/// above, or "".
std::string header_syntax_problem(const std::vector<WireHeader>& headers);

}  // namespace ladder::sip
