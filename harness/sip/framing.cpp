#include "sip/framing.h"

#include <algorithm>
#include <cstring>

#include "sip/text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ladder::sip {
namespace {

constexpr std::string_view kVersion = "SIP/2.0";
constexpr std::size_t kMaxStartLine = 2048;

// RFC 3261 token characters.
bool is_token_char(unsigned char c) {
  if (c >= 'a' && c <= 'z') return true;
  if (c >= 'A' && c <= 'Z') return true;
  if (c >= '0' && c <= '9') return true;
  return std::strchr("-.!%*_+`'~", c) != nullptr && c != 0;
}

using text::iequals;
using text::is_digit;

bool is_ws(char c) { return c == ' ' || c == '\t'; }

// "SIP/" 1*DIGIT "." 1*DIGIT, case-insensitive (RFC 3261 7.1).
bool is_any_version(std::string_view v) {
  if (v.size() < 7 || !iequals(v.substr(0, 4), "SIP/")) return false;
  std::size_t i = 4, digits = 0;
  while (i < v.size() && is_digit(v[i])) ++i, ++digits;
  if (digits == 0 || i == v.size() || v[i] != '.') return false;
  ++i;
  digits = 0;
  while (i < v.size() && is_digit(v[i])) ++i, ++digits;
  return digits > 0 && i == v.size();
}

// A Request-URI starts with a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
bool starts_with_scheme(std::string_view uri) {
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (uri.empty() || !alpha(uri[0])) return false;
  for (std::size_t i = 1; i < uri.size(); ++i) {
    char c = uri[i];
    if (c == ':') return true;
    if (!alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  return false;
}

// The line as every stack sends it, decided in one cheap pass (every datagram of a capture
// comes through classify_start() and then scan()): version "SIP/2.0" in upper case, single
// SPs. `strict` also holds the Request-URI to the grammar (no whitespace, a scheme first),
// which only start_line_problem() needs; classify_start() only asks whether the line is SIP.
StartKind exact_line(std::string_view line, bool strict) {
  if (line.starts_with("SIP/2.0 ")) {
    if (line.size() < 11 || !is_digit(line[8]) || !is_digit(line[9]) || !is_digit(line[10])) {
      return StartKind::none;
    }
    return line.size() == 11 || line[11] == ' ' ? StartKind::response : StartKind::none;
  }
  if (!line.ends_with(" SIP/2.0")) return StartKind::none;
  std::size_t sp = line.find(' ');
  if (sp == 0 || sp + 9 >= line.size()) return StartKind::none;  // a method and a Request-URI
  for (std::size_t i = 0; i < sp; ++i) {
    if (!is_token_char(static_cast<unsigned char>(line[i]))) return StartKind::none;
  }
  if (!strict) return StartKind::request;
  if (line.find(' ', sp + 1) != line.size() - 8 || line.find('\t') != std::string_view::npos) {
    return StartKind::none;
  }
  return starts_with_scheme(line.substr(sp + 1)) ? StartKind::request : StartKind::none;
}

// Lenient on purpose: this decides what is SIP, not what is well-formed (see framing.h).
StartKind classify_line(std::string_view line) {
  // line excludes CRLF
  if (StartKind k = exact_line(line, false); k != StartKind::none) return k;
  if (line.size() >= 4 && iequals(line.substr(0, 4), "SIP/")) {
    // A version, whitespace, then at least three digits: "SIP/2.0 200 OK" and its flawed kin.
    std::size_t i = 4;
    while (i < line.size() && !is_ws(line[i])) ++i;
    if (!is_any_version(line.substr(0, i))) return StartKind::none;
    if (i == line.size()) return StartKind::none;
    while (i < line.size() && is_ws(line[i])) ++i;
    std::size_t digits = 0;
    while (i + digits < line.size() && is_digit(line[i + digits])) ++digits;
    return digits >= 3 ? StartKind::response : StartKind::none;
  }
  // Method token, whitespace, a non-empty Request-URI, whitespace, a version, and perhaps
  // trailing whitespace.
  std::size_t sp = 0;
  while (sp < line.size() && !is_ws(line[sp])) ++sp;
  if (sp == 0 || sp == line.size()) return StartKind::none;
  for (std::size_t i = 0; i < sp; ++i) {
    if (!is_token_char(static_cast<unsigned char>(line[i]))) return StartKind::none;
  }
  std::string_view rest = line.substr(sp);
  while (!rest.empty() && is_ws(rest.back())) rest.remove_suffix(1);
  std::size_t last = rest.size();
  while (last > 0 && !is_ws(rest[last - 1])) --last;
  if (last == 0 || !is_any_version(rest.substr(last))) return StartKind::none;
  std::string_view uri = rest.substr(0, last);
  for (char c : uri) {
    if (!is_ws(c)) return StartKind::request;  // the Request-URI must not be empty
  }
  return StartKind::none;
}

// Could `prefix` (no line end yet) still become a start line?
bool could_be_start(std::string_view prefix) {
  std::string_view v = kVersion;
  if (iequals(v.substr(0, std::min(prefix.size(), v.size())),
              prefix.substr(0, std::min(prefix.size(), v.size())))) {
    return true;
  }
  for (char c : prefix) {
    if (c == ' ') return true;  // method token done; rest is the URI and version
    if (!is_token_char(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// Parses an unsigned decimal with optional surrounding whitespace.
bool parse_length(std::string_view v, std::size_t& out) {
  std::size_t i = 0;
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  std::size_t start = i;
  std::size_t value = 0;
  while (i < v.size() && is_digit(v[i])) {
    value = value * 10 + static_cast<std::size_t>(v[i] - '0');
    if (value > (1u << 26)) return false;  // 64 MiB: nothing sane is larger
    ++i;
  }
  if (i == start) return false;
  while (i < v.size() && (v[i] == ' ' || v[i] == '\t' || v[i] == '\r')) ++i;
  if (i != v.size()) return false;
  out = value;
  return true;
}

}  // namespace

StartKind classify_start(std::string_view bytes) {
  std::size_t limit = std::min(bytes.size(), kMaxStartLine);
  const void* nl = std::memchr(bytes.data(), '\n', limit);
  if (nl == nullptr) {
    if (bytes.size() >= kMaxStartLine) return StartKind::none;
    return could_be_start(bytes) ? StartKind::partial : StartKind::none;
  }
  std::size_t end = static_cast<std::size_t>(static_cast<const char*>(nl) - bytes.data());
  std::string_view line = bytes.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return classify_line(line);
}

const char* start_line_problem(std::string_view bytes) {
  std::string_view line = bytes.substr(0, std::min(bytes.size(), kMaxStartLine));
  line = line.substr(0, line.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (exact_line(line, true) != StartKind::none) return nullptr;
  StartKind kind = classify_line(line);
  if (kind == StartKind::response) {
    // classify_line() checked "SIP/x.y" LWS 3DIGIT; here exactly one SP each, version 2.0.
    if (!iequals(line.substr(0, kVersion.size()), kVersion) ||
        (line.size() > kVersion.size() && !is_ws(line[kVersion.size()]))) {
      return "the SIP version is not SIP/2.0";
    }
    if (line[7] != ' ' || !is_digit(line[8])) return "the status line has extra whitespace";
    if (line.size() > 11 && is_digit(line[11])) return "the status code is not three digits";
    if (line.size() > 11 && line[11] != ' ') return "the status line has extra whitespace";
    return nullptr;
  }
  if (kind != StartKind::request) return "not a SIP start line";
  std::size_t sp1 = line.find(' ');
  std::size_t tab = line.find('\t');
  if (tab != std::string_view::npos || sp1 == std::string_view::npos) {
    return "the request line has whitespace other than single SPs";
  }
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == sp1 + 1 || sp2 == std::string_view::npos) {
    return "the request line has extra whitespace";
  }
  std::string_view version = line.substr(sp2 + 1);
  if (version.find(' ') != std::string_view::npos) {
    // More than two SPs: an SP inside the Request-URI, or trailing.
    return line.back() == ' ' ? "the request line ends in whitespace"
                              : "the Request-URI contains whitespace";
  }
  if (!iequals(version, kVersion)) return "the SIP version is not SIP/2.0";
  // Request-URI = SIP-URI / SIPS-URI / absoluteURI: a scheme first, never "<...>".
  if (!starts_with_scheme(line.substr(sp1 + 1, sp2 - sp1 - 1))) {
    return "the Request-URI does not start with a scheme";
  }
  return nullptr;
}

std::size_t header_end(std::string_view buf) {
  // Headers end at CRLFCRLF; tolerate bare LFLF as many stacks do. So the end is just past the
  // first LF that is followed by LF or by CRLF. Every datagram of a capture comes through here.
  const char* p = buf.data();
  const std::size_t n = buf.size();
  std::size_t i = 0;
#if defined(__SSE2__)
  // 16 positions a step: LF at i, and LF or CR-LF right after it (loads at i, i+1, i+2 stay
  // inside the buffer).
  const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
  for (; i + 18 <= n; i += 16) {
    auto load = [p](std::size_t at) {
      return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
    };
    __m128i at0 = load(i), at1 = load(i + 1), at2 = load(i + 2);
    __m128i next_lf = _mm_cmpeq_epi8(at1, lf);
    __m128i next_crlf = _mm_and_si128(_mm_cmpeq_epi8(at1, cr), _mm_cmpeq_epi8(at2, lf));
    __m128i blank = _mm_and_si128(_mm_cmpeq_epi8(at0, lf), _mm_or_si128(next_lf, next_crlf));
    if (int hits = _mm_movemask_epi8(blank); hits != 0) {
      std::size_t j = i + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(hits)));
      return p[j + 1] == '\n' ? j + 2 : j + 3;
    }
  }
#endif
  for (; i < n; ++i) {
    if (p[i] != '\n') continue;
    if (i + 1 < n && p[i + 1] == '\n') return i + 2;
    if (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

FrameLength frame_length(std::string_view buf) { return frame_length(buf, header_end(buf)); }

FrameLength frame_length(std::string_view buf, std::size_t end) {
  FrameLength r;
  if (end == std::string_view::npos) {
    r.state = FrameLength::State::need_more;
    return r;
  }
  std::size_t body = 0;
  std::size_t pos = 0;
  // Skip the start line, then look at each header line.
  std::size_t nl = buf.find('\n');
  pos = nl + 1;
  while (pos < end) {
    const char* lf = text::find_newline(buf.data() + pos, buf.data() + end);
    if (lf == nullptr) break;  // not so when `end` came from header_end()
    std::size_t eol = static_cast<std::size_t>(lf - buf.data());
    std::string_view line = buf.substr(pos, eol - pos);
    pos = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = line.substr(0, colon);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    char first = name.empty() ? '\0' : name.front();
    if (first != 'c' && first != 'C' && first != 'l' && first != 'L') continue;  // cheap filter
    if (iequals(name, "content-length") || iequals(name, "l")) {
      if (!parse_length(line.substr(colon + 1), body)) {
        r.state = FrameLength::State::bad;
        r.error = "Content-Length is not a number";
        return r;
      }
      r.had_content_length = true;
    }
  }
  if (buf.size() - end < body) {
    r.state = FrameLength::State::need_more;
    return r;
  }
  r.state = FrameLength::State::complete;
  r.length = end + body;
  return r;
}

std::size_t find_start(std::string_view buf, std::size_t from) {
  std::size_t pos = from;
  while (pos < buf.size()) {
    StartKind k = classify_start(buf.substr(pos));
    if (k == StartKind::request || k == StartKind::response) return pos;
    std::size_t nl = buf.find('\n', pos);
    if (nl == std::string_view::npos) return std::string_view::npos;
    pos = nl + 1;
  }
  return std::string_view::npos;
}

}  // namespace ladder::sip
