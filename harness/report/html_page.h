// What every HTML page shares: escaping, the page frame with its inline style and script.
// Private to ladder::report.
#pragma once

#include <string>
#include <string_view>

namespace ladder::report::html {

/// Text for an HTML text node or a quoted attribute value: & < > " ' escaped; control bytes
/// other than tab, CR and LF shown as \xNN so hostile captures cannot break the page.
std::string escape(std::string_view text);
/// The same for a text node only (not an attribute): just & and < need escaping there, which
/// keeps raw SIP messages (full of <sip:...> and quotes) close to their size on the wire.
std::string escape_text(std::string_view text);

/// A whole page: doctype, title, the inline stylesheet and script, and `body`.
std::string page(std::string_view title, std::string_view body);

/// "0.123456" seconds, as the terminal reports print times.
std::string seconds(long long ns);

}  // namespace ladder::report::html
