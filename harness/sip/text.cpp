#include "sip/text.h"

#include <array>

namespace ladder::sip::text {

bool iequals_lower(std::string_view a, std::string_view lower_name) {
  if (a.size() != lower_name.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower_name[i]) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_lws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_lws(s.back())) s.remove_suffix(1);
  return s;
}

// The comma that ends the list element starting at `from`, or npos. Most values (a Via, a
// Record-Route) have no comma at all, or none behind a quote or '<': those are answered at
// memchr speed; the rest walk the quotes and brackets.
std::size_t next_separator(std::string_view value, std::size_t from) {
  std::size_t comma = value.find(',', from);
  if (comma == std::string_view::npos) return comma;
  bool plain = true;
  for (std::size_t i = from; i < comma && plain; ++i) plain = value[i] != '"' && value[i] != '<';
  if (plain) return comma;
  bool quoted = false;
  int angle = 0;
  for (std::size_t i = from; i < value.size(); ++i) {
    char c = value[i];
    if (quoted) {
      if (c == '\\') {
        ++i;  // quoted-pair: the next character cannot end the string
      } else if (c == '"') {
        quoted = false;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == '<') {
      ++angle;
    } else if (c == '>' && angle > 0) {
      --angle;
    } else if (c == ',' && angle == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

std::vector<std::string_view> split_list(std::string_view value) {
  std::vector<std::string_view> out;
  for_each_element(value, [&out](std::string_view e) { out.push_back(e); });
  return out;
}

std::optional<std::string_view> first_element(std::string_view value) {
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = next_separator(value, start);
    std::string_view e = trim(value.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!e.empty()) return e;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return std::nullopt;
}

std::size_t count_list(std::string_view value) {
  std::size_t n = 0;
  std::size_t start = 0;
  while (start <= value.size()) {
    std::size_t comma = next_separator(value, start);
    n += !trim(value.substr(start, comma == std::string_view::npos ? comma : comma - start)).empty();
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return n;
}

namespace {

constexpr std::array<bool, 256> char_set(std::string_view chars) {
  std::array<bool, 256> t{};
  for (char c : chars) t[static_cast<unsigned char>(c)] = true;
  return t;
}
constexpr auto kQuoteOrComma = char_set("\",");
// What ends an unquoted parameter value, and the quote that sends it to the full parser.
constexpr auto kValueEnd = char_set(";, \t\r\n\"");

// The common case at memchr speed: ";name=" written in lower case, with no quote or comma before
// it (so it is a parameter of the first element, not text inside a quoted value or a later list
// element). Anything else goes to the full parser below.
bool find_param_fast(std::string_view params, std::string_view name, std::string_view& value) {
  if (name.size() > 14) return false;
  char needle[16];
  needle[0] = ';';
  name.copy(needle + 1, name.size());
  needle[name.size() + 1] = '=';
  std::size_t at = params.find(std::string_view(needle, name.size() + 2));
  if (at == std::string_view::npos) return false;
  // Table loops: find_first_of with a set calls memchr per character, and a chain of compares
  // per character is what made this the costliest part of scan() (branches run 40+ bytes).
  for (std::size_t i = 0; i < at; ++i) {
    if (kQuoteOrComma[static_cast<unsigned char>(params[i])]) return false;
  }
  std::size_t start = at + name.size() + 2;
  std::size_t end = start;
  while (end < params.size() && !kValueEnd[static_cast<unsigned char>(params[end])]) ++end;
  if (end < params.size() && params[end] == '"') return false;
  value = params.substr(start, end - start);
  return true;
}

}  // namespace

std::string_view find_param(std::string_view params, std::string_view name, bool& found) {
  std::string_view fast;
  if (find_param_fast(params, name, fast)) {
    found = true;
    return fast;
  }
  found = false;
  // A comma before the first ';' ends the first list element: its parameters are not ours.
  std::size_t i = params.find(';');
  if (i != std::string_view::npos && params.substr(0, i).find(',') != std::string_view::npos) {
    return {};
  }
  while (i != std::string_view::npos && i < params.size()) {
    ++i;  // past ';'
    while (i < params.size() && is_lws(params[i])) ++i;
    std::size_t name_start = i;
    while (i < params.size() && params[i] != '=' && params[i] != ';' && params[i] != ',' &&
           !is_lws(params[i])) {
      ++i;
    }
    std::string_view pname = params.substr(name_start, i - name_start);
    while (i < params.size() && is_lws(params[i])) ++i;
    std::string_view pvalue;
    if (i < params.size() && params[i] == '=') {
      ++i;
      while (i < params.size() && is_lws(params[i])) ++i;
      std::size_t value_start = i;
      bool quoted = false;
      while (i < params.size()) {
        char c = params[i];
        if (quoted) {
          if (c == '\\') ++i;
          else if (c == '"') quoted = false;
        } else if (c == '"') {
          quoted = true;
        } else if (c == ';' || c == ',' || is_lws(c)) {
          break;
        }
        ++i;
      }
      pvalue = params.substr(value_start, std::min(i, params.size()) - value_start);
    }
    if (iequals_lower(pname, name)) {
      found = true;
      return pvalue;
    }
    while (i < params.size() && params[i] != ';' && params[i] != ',') ++i;
    if (i >= params.size() || params[i] == ',') break;
  }
  return {};
}

std::size_t header_params_start(std::string_view value) {
  std::size_t i = 0;
  // A quoted display name may contain '<', ';' or '>'; skip it first.
  while (i < value.size() && is_lws(value[i])) ++i;
  if (i < value.size() && value[i] == '"') {
    for (++i; i < value.size() && value[i] != '"'; ++i) {
      if (value[i] == '\\') ++i;
    }
    ++i;
  }
  if (i >= value.size()) return std::string_view::npos;
  std::size_t lt = value.find('<', i);
  if (lt != std::string_view::npos) {
    std::size_t gt = value.find('>', lt);
    if (gt == std::string_view::npos) return std::string_view::npos;
    i = gt + 1;
  }
  // Bare addr-spec: RFC 3261 20.10 says everything after the URI's first ';' is a header
  // parameter, so URI parameters cannot appear there.
  return value.find(';', i);
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

}  // namespace ladder::sip::text
