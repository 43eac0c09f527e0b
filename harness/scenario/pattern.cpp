// User patterns on RE2. RE2 stays in this file: pattern.h holds only an opaque handle.
//
// Users write ECMAScript syntax (what std::regex took before); translate() maps the few places
// where RE2 reads the same text differently, and rejects what RE2 cannot do in linear time.
#include "scenario/pattern.h"

#include <re2/re2.h>

#include <cctype>
#include <cstdio>
#include <vector>

namespace ladder::scenario {

struct Pattern::Compiled {
  std::string source;
  /// Leading lookaheads after ^: each must match (or, negated, must not) at the start.
  std::vector<std::pair<bool, std::unique_ptr<RE2>>> conditions;
  std::unique_ptr<RE2> main;
};

namespace {

constexpr std::string_view kLinear = " (patterns run in linear time)";

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string hex_escape(unsigned value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "\\x{%x}", value);
  return buf;
}

bool lookaround_at(std::string_view s, std::size_t i, std::string_view* which) {
  for (std::string_view op : {"(?=", "(?!", "(?<=", "(?<!"}) {
    if (s.substr(i, op.size()) == op) {
      *which = op;
      return true;
    }
  }
  return false;
}

// The index of the ')' closing the group opened at s[open], or npos.
std::size_t group_end(std::string_view s, std::size_t open) {
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = open; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
      if (i + 1 < s.size() && s[i + 1] == ']') ++i;  // `[]` closes at once
    } else if (c == '(') {
      ++depth;
    } else if (c == ')' && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool has_top_level_bar(std::string_view s) {
  int depth = 0;
  bool in_class = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      ++i;
    } else if (in_class) {
      in_class = c != ']';
    } else if (c == '[') {
      in_class = true;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == '|' && depth == 0) {
      return true;
    }
  }
  return false;
}

// ECMAScript pattern text -> RE2 pattern text with the same meaning on bytes.
std::optional<std::string> translate(std::string_view s, std::string* error) {
  std::string out;
  out.reserve(s.size() + 8);
  bool in_class = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      const char n = s[i + 1];
      if (n >= '1' && n <= '9') {
        *error = std::string("backreference '\\") + n + "' is not supported" + std::string(kLinear);
        return std::nullopt;
      }
      if (n == 'k' && i + 2 < s.size() && s[i + 2] == '<') {
        *error = "backreference '\\k<' is not supported" + std::string(kLinear);
        return std::nullopt;
      }
      if (n == 'u' && i + 5 < s.size() && is_hex(s[i + 2]) && is_hex(s[i + 3]) &&
          is_hex(s[i + 4]) && is_hex(s[i + 5])) {
        out += hex_escape(
            static_cast<unsigned>(std::stoul(std::string(s.substr(i + 2, 4)), nullptr, 16)));
        i += 5;
        continue;
      }
      if (n == 'c' && i + 2 < s.size() && std::isalpha(static_cast<unsigned char>(s[i + 2]))) {
        out += hex_escape(static_cast<unsigned char>(s[i + 2]) % 32);
        i += 2;
        continue;
      }
      if (static_cast<unsigned char>(n) >= 0x80) {  // an identity escape of a byte: the byte
        out += n;
        ++i;
        continue;
      }
      out += c;
      out += n;
      ++i;
      continue;
    }
    if (in_class) {
      in_class = c != ']';
      out += c;
      continue;
    }
    if (c == '[') {
      // ECMAScript's `[]` matches nothing and `[^]` any character; RE2 would read the ']' as
      // a member of the class.
      if (s.substr(i, 2) == "[]") {
        out += "[^\\x00-\\x{ff}]";
        ++i;
      } else if (s.substr(i, 3) == "[^]") {
        out += "[\\x00-\\x{ff}]";
        i += 2;
      } else {
        in_class = true;
        out += c;
      }
      continue;
    }
    std::string_view op;
    if (c == '(' && lookaround_at(s, i, &op)) {
      bool behind = op.size() == 4;
      *error = std::string(behind ? "lookbehind '" : "lookahead '") + std::string(op) +
               "' is not supported" + (behind ? "" : " except at the very start, right after '^'") +
               std::string(kLinear);
      return std::nullopt;
    }
    if (c == '.') {
      out += "[^\\n\\r]";
      continue;
    }
    out += c;
  }
  return out;
}

// RE2's error in the user's terms: its own text quotes the translated pattern, which the user
// never wrote, so the fragment is kept only when it is part of what they wrote.
std::string describe(const RE2& re, std::string_view source) {
  std::string what;
  switch (re.error_code()) {
    case RE2::ErrorBadEscape:
      what = "invalid escape sequence";
      break;
    case RE2::ErrorBadCharClass:
      what = "invalid character class";
      break;
    case RE2::ErrorBadCharRange:
      what = "invalid character class range";
      break;
    case RE2::ErrorMissingBracket:
      what = "missing ']'";
      break;
    case RE2::ErrorMissingParen:
      what = "missing ')'";
      break;
    case RE2::ErrorUnexpectedParen:
      what = "unexpected ')'";
      break;
    case RE2::ErrorTrailingBackslash:
      what = "trailing '\\'";
      break;
    case RE2::ErrorRepeatArgument:
      what = "nothing to repeat";
      break;
    case RE2::ErrorRepeatSize:
      what = "invalid repetition count (at most 1000)";
      break;
    case RE2::ErrorRepeatOp:
      what = "invalid repetition operator";
      break;
    case RE2::ErrorBadPerlOp:
      what = "invalid '(?' group";
      break;
    case RE2::ErrorPatternTooLarge:
      what = "pattern too large";
      break;
    default:
      return re.error();
  }
  const std::string& arg = re.error_arg();
  if (!arg.empty() && arg.size() < source.size() && source.find(arg) != std::string_view::npos) {
    what += " at '" + arg + "'";
  }
  return what;
}

std::unique_ptr<RE2> compile_re2(const std::string& text, std::string_view source,
                                 std::string* error) {
  RE2::Options options;
  options.set_encoding(RE2::Options::EncodingLatin1);
  options.set_log_errors(false);
  options.set_never_capture(true);
  auto re = std::make_unique<RE2>(text, options);
  if (!re->ok()) {
    *error = describe(*re, source);
    return nullptr;
  }
  return re;
}

}  // namespace

std::optional<Pattern> Pattern::compile(std::string_view source, std::string* error) {
  std::string scratch;
  if (error == nullptr) error = &scratch;
  auto c = std::make_shared<Compiled>();
  c->source = std::string(source);
  std::size_t pos = 0;
  if (source.starts_with('^')) {
    pos = 1;
    std::string_view op;
    while (lookaround_at(source, pos, &op) && op.size() == 3) {
      std::size_t close = group_end(source, pos);
      if (close == std::string_view::npos) {
        *error = "missing ) after '" + std::string(op) + "'";
        return std::nullopt;
      }
      auto inner = translate(source.substr(pos + 3, close - pos - 3), error);
      if (!inner) return std::nullopt;
      auto re = compile_re2("^(?:" + *inner + ")", source, error);
      if (!re) return std::nullopt;
      c->conditions.emplace_back(op == "(?!", std::move(re));
      pos = close + 1;
    }
  }
  std::string main;
  if (c->conditions.empty()) {
    auto t = translate(source, error);
    if (!t) return std::nullopt;
    main = std::move(*t);
  } else {
    std::string_view rest = source.substr(pos);
    if (has_top_level_bar(rest)) {
      *error =
          "a leading lookahead followed by '|' is not supported; group the alternatives: "
          "^(?!...)(?:a|b)";
      return std::nullopt;
    }
    auto t = translate(rest, error);
    if (!t) return std::nullopt;
    main = "^(?:" + *t + ")";
  }
  c->main = compile_re2(main, source, error);
  if (!c->main) return std::nullopt;
  return Pattern(std::move(c));
}

bool Pattern::search(std::string_view subject) const {
  re2::StringPiece text(subject.data(), subject.size());
  for (const auto& [negated, re] : compiled_->conditions) {
    if (RE2::PartialMatch(text, *re) == negated) return false;
  }
  return RE2::PartialMatch(text, *compiled_->main);
}

const std::string& Pattern::source() const { return compiled_->source; }

std::string escape_for_pattern(std::string_view value) {
  // Only ASCII punctuation is escaped: RE2 takes "\" before any of it as the character itself,
  // and bytes from 0x80 up stand for themselves (an escape before one would be an error).
  static constexpr std::string_view special = R"(\^$.|?*+()[]{}/-)";
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (special.find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace ladder::scenario
