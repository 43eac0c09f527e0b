// Private: the one loop over a message's header lines that scan(), call_id_of() and the wire
// header index share, so they cannot disagree about where a header starts, ends or folds.
#pragma once

#include <string_view>

#include "sip/text.h"

namespace ladder::sip {

/// Calls on_header(name, value, folded) for each header line of `bytes` (the start line
/// skipped), until on_header returns false or the blank line ends the headers. `value` is
/// trimmed and runs on over folded continuation lines, fold bytes included (`folded` says so).
/// Lines without a colon, and continuations without a header before them, are skipped. Returns
/// where the body starts (the end of `bytes` when there is no blank line or the walk stopped).
template <typename OnHeader>
inline const char* walk_headers(std::string_view bytes, OnHeader&& on_header) {
  const char* const end = bytes.data() + bytes.size();
  const char* nl = text::find_newline(bytes.data(), end);
  const char* pos = nl != nullptr ? nl + 1 : end;

  while (pos < end) {
    nl = text::find_newline(pos, end);
    const char* next = nl != nullptr ? nl + 1 : end;
    const char* line_end = nl != nullptr ? nl : end;
    if (line_end > pos && line_end[-1] == '\r') --line_end;
    if (line_end == pos) return next;  // the blank line: the body follows
    // A continuation with no header before it (right after the start line).
    if (text::is_ws(*pos)) {
      pos = next;
      continue;
    }
    // The value runs on over folded continuation lines (RFC 3261 7.3.1).
    const char* value_end = line_end;
    while (next < end && text::is_ws(*next)) {
      nl = text::find_newline(next, end);
      value_end = nl != nullptr ? nl : end;
      next = nl != nullptr ? nl + 1 : end;
    }
    const char* line = pos;
    pos = next;

    // Names are short: a plain loop beats a memchr call here.
    const char* colon = line;
    while (colon < line_end && *colon != ':') ++colon;
    if (colon == line_end) continue;  // not a header line; Sofia decides how bad that is
    std::size_t name_len = static_cast<std::size_t>(colon - line);
    while (name_len > 0 && text::is_ws(line[name_len - 1])) --name_len;
    if (name_len == 0) continue;
    std::string_view value(colon + 1, static_cast<std::size_t>(value_end - colon - 1));
    if (!on_header(std::string_view(line, name_len), text::trim(value), value_end != line_end)) {
      return end;
    }
  }
  return end;
}

}  // namespace ladder::sip
