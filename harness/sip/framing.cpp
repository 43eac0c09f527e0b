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

bool is_digit(char c) { return c >= '0' && c <= '9'; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

StartKind classify_line(std::string_view line) {
  // line excludes CRLF
  if (line.starts_with(kVersion)) {
    // "SIP/2.0 200 OK" (reason may be empty)
    if (line.size() < 11 || line[7] != ' ') return StartKind::none;
    if (!is_digit(line[8]) || !is_digit(line[9]) || !is_digit(line[10])) return StartKind::none;
    if (line.size() > 11 && line[11] != ' ') return StartKind::none;
    return StartKind::response;
  }
  std::size_t sp = line.find(' ');
  if (sp == 0 || sp == std::string_view::npos) return StartKind::none;
  for (std::size_t i = 0; i < sp; ++i) {
    if (!is_token_char(static_cast<unsigned char>(line[i]))) return StartKind::none;
  }
  if (line.size() < sp + 1 + 1 + 1 + kVersion.size()) return StartKind::none;
  if (!line.ends_with(kVersion) || line[line.size() - kVersion.size() - 1] != ' ') {
    return StartKind::none;
  }
  // The Request-URI must not be empty.
  if (line.size() - kVersion.size() - 1 <= sp + 1) return StartKind::none;
  return StartKind::request;
}

// Could `prefix` (no line end yet) still become a start line?
bool could_be_start(std::string_view prefix) {
  std::string_view v = kVersion;
  if (v.starts_with(prefix.substr(0, std::min(prefix.size(), v.size())))) return true;
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
