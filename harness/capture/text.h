// Message building for diagnostics (GCC 12's library has no <format>). Private to capture.
// Only used on the error path, so allocation here costs nothing on the hot path.
#pragma once

#include <concepts>
#include <string>
#include <string_view>

namespace ladder::capture::detail {

inline void append(std::string& s, std::string_view v) { s += v; }
inline void append(std::string& s, const char* v) { s += v; }
inline void append(std::string& s, const std::string& v) { s += v; }
inline void append(std::string& s, char c) { s += c; }
template <std::integral T>
requires(!std::same_as<T, char> && !std::same_as<T, bool>) void append(std::string& s, T v) {
  s += std::to_string(v);
}

/// cat("IPv4 total length ", 9000, " but ...") -> one string.
template <class... A>
std::string cat(const A&... parts) {
  std::string s;
  (append(s, parts), ...);
  return s;
}

}  // namespace ladder::capture::detail
