// Private text helpers shared by scan(), the wire header index and the Sofia adapter.
// Pure functions on string_view: no allocation unless the return type owns memory, no locale.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ladder::sip::text {

/// The first '\n' in [p, end), or nullptr. Header lines are short (30-60 bytes), where memchr's
/// call and set-up cost more than the search: this looks at 16 bytes a step, inline, and never
/// reads at or past `end`.
inline const char* find_newline(const char* p, const char* end) {
#if defined(__SSE2__)
  const __m128i nl = _mm_set1_epi8('\n');
  while (end - p >= 16) {
    __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if (int hits = _mm_movemask_epi8(_mm_cmpeq_epi8(block, nl)); hits != 0) {
      return p + __builtin_ctz(static_cast<unsigned>(hits));
    }
    p += 16;
  }
#endif
  for (; p < end; ++p) {
    if (*p == '\n') return p;
  }
  return nullptr;
}

/// ASCII lower-case table; a table rather than tolower() because tolower() reads the locale.
inline constexpr std::array<char, 256> kLower = [] {
  std::array<char, 256> t{};
  for (int i = 0; i < 256; ++i) {
    t[static_cast<std::size_t>(i)] =
        static_cast<char>((i >= 'A' && i <= 'Z') ? i - 'A' + 'a' : i);
  }
  return t;
}();

inline char lower(char c) { return kLower[static_cast<unsigned char>(c)]; }
inline bool is_ws(char c) { return c == ' ' || c == '\t'; }
/// Whitespace including the CR/LF of a folded line (LWS in RFC 3261 terms).
inline bool is_lws(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Case-insensitive ASCII comparison: the project's one (core.h).
using core::iequals;
/// Case-insensitive comparison against a name that is already lower-case (faster: one lookup).
bool iequals_lower(std::string_view a, std::string_view lower_name);

/// Trims SP, HT, CR and LF at both ends.
std::string_view trim(std::string_view s);

/// Splits a header value at commas that are outside quoted strings and <...>; elements trimmed,
/// empty ones dropped.
std::vector<std::string_view> split_list(std::string_view value);
/// The comma that ends the list element starting at `from` (outside quotes and <...>), or npos.
std::size_t next_separator(std::string_view value, std::size_t from);
/// Calls f(element) for each element of a list value, as split_list() would list them.
template <typename F>
void for_each_element(std::string_view value, F&& f) {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = next_separator(value, start);
    std::string_view e =
        trim(value.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!e.empty()) f(e);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
}
/// split_list(value).front(), without building the list; empty when the list has no element.
std::optional<std::string_view> first_element(std::string_view value);
/// split_list(value).size(), without building the list.
std::size_t count_list(std::string_view value);

/// Finds a ';'-separated parameter (case-insensitive name, lower-case `name`) in `params`, which
/// starts at or before the first ';'. Returns its value (empty for a bare flag) and sets `found`.
/// Stops at ',' outside quotes, so on a list value it only sees the first element's parameters
/// (the part before the first ';' must not hold a quoted ','; true for Via and name-addrs).
std::string_view find_param(std::string_view params, std::string_view name, bool& found);

/// Offset of the first header parameter (the ';' after the URI) in a name-addr or addr-spec
/// value: after the closing '>' when there is one, else the first ';' after any display name.
/// npos when there are no parameters.
std::size_t header_params_start(std::string_view value);

/// Lower-cases an ASCII string.
std::string to_lower(std::string_view s);

}  // namespace ladder::sip::text
