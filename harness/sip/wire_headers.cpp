#include "sip/wire_headers.h"

#include "sip/names.h"
#include "sip/sip.h"
#include "sip/text.h"

namespace ladder::sip {

void index_headers(std::string_view bytes, std::vector<WireHeader>& out,
                   std::forward_list<std::string>& folded) {
  out.clear();
  folded.clear();
  out.reserve(16);
  // Lines up to the blank line (or the end): the loop stops there, so no search for it first.
  std::string_view head = bytes;
  std::size_t pos = head.find('\n');
  if (pos == std::string_view::npos) return;
  ++pos;
  WireHeader* last = nullptr;
  while (pos < head.size()) {
    std::size_t nl = head.find('\n', pos);
    std::string_view line = head.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? head.size() : nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (text::is_ws(line.front())) {
      // Folded continuation: RFC 3261 7.3.1 makes it equivalent to one SP.
      std::string_view more = text::trim(line);
      if (last != nullptr && !more.empty()) {
        std::string joined(last->value);
        if (!joined.empty()) joined += ' ';
        joined += more;
        folded.push_front(std::move(joined));
        last->value = folded.front();
      }
      continue;
    }
    // Names are short: a plain loop beats a memchr call here (as in scan()).
    std::size_t colon = 0;
    while (colon < line.size() && line[colon] != ':') ++colon;
    if (colon == line.size()) {
      last = nullptr;
      continue;
    }
    std::string_view name = text::trim(line.substr(0, colon));
    if (name.empty()) {
      last = nullptr;
      continue;
    }
    int id = header_id(name);
    std::string_view canonical = id >= 0 ? known_name(id) : name;
    out.push_back({canonical, id, text::trim(line.substr(colon + 1))});
    last = &out.back();
  }
}

namespace {

// Which lines are this header: by id for well-known names, else by name.
struct Query {
  std::string_view canonical;
  int id;
  bool list;
  explicit Query(std::string_view name)
      : id(header_id(name)), list(is_list_header(id)) {
    canonical = id >= 0 ? known_name(id) : name;
  }
  bool matches(const WireHeader& h) const {
    return id >= 0 ? h.id == id : h.id < 0 && text::iequals(h.canonical, canonical);
  }
};

}  // namespace

std::vector<std::string_view> header_views_of(const std::vector<WireHeader>& headers,
                                           std::string_view name) {
  std::vector<std::string_view> out;
  Query q(name);
  for (const WireHeader& h : headers) {
    if (!q.matches(h)) continue;
    if (out.capacity() == 0) out.reserve(4);  // Via, Route stacks: one allocation
    if (q.list) {
      text::append_list(h.value, out);
    } else {
      out.push_back(h.value);
    }
  }
  return out;
}

std::vector<std::string> header_values(const std::vector<WireHeader>& headers,
                                       std::string_view name) {
  std::vector<std::string_view> views = header_views_of(headers, name);
  return {views.begin(), views.end()};
}

std::optional<std::string_view> first_view(const std::vector<WireHeader>& headers,
                                           std::string_view name) {
  Query q(name);
  for (const WireHeader& h : headers) {
    if (!q.matches(h)) continue;
    if (q.list) {
      std::optional<std::string_view> first = text::first_element(h.value);
      if (first) return first;
    }
    return h.value;
  }
  return std::nullopt;
}

std::size_t count_values(const std::vector<WireHeader>& headers, std::string_view name) {
  Query q(name);
  std::size_t n = 0;
  for (const WireHeader& h : headers) {
    if (q.matches(h)) n += q.list ? text::count_list(h.value) : 1;
  }
  return n;
}

std::optional<std::string> first_header(const std::vector<WireHeader>& headers,
                                        std::string_view name) {
  auto view = first_view(headers, name);
  if (!view) return std::nullopt;
  return std::string(*view);
}

}  // namespace ladder::sip
