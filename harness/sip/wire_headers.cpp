#include "sip/wire_headers.h"

#include "sip/names.h"
#include "sip/sip.h"
#include "sip/text.h"

namespace ladder::sip {

void add_header(std::vector<WireHeader>& index, std::forward_list<std::string>& folded,
                std::string_view name, std::string_view value, bool is_folded, int id) {
  if (is_folded) {  // RFC 3261 7.3.1: each fold is equivalent to one SP
    std::string joined;
    for (std::size_t at = 0; at <= value.size();) {
      std::size_t nl = value.find('\n', at);
      if (nl == std::string_view::npos) nl = value.size();
      std::string_view piece = text::trim(value.substr(at, nl - at));
      if (!piece.empty()) {
        if (!joined.empty()) joined += ' ';
        joined += piece;
      }
      at = nl + 1;
    }
    folded.push_front(std::move(joined));
    value = folded.front();
  }
  index.push_back({id >= 0 ? known_name(id) : name, id, value});
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

Views header_views_of(const std::vector<WireHeader>& headers, std::string_view name) {
  Views out;
  Query q(name);
  for (const WireHeader& h : headers) {
    if (!q.matches(h)) continue;
    if (q.list) {
      text::for_each_element(h.value, [&out](std::string_view e) { out.push_back(e); });
    } else {
      out.push_back(h.value);
    }
  }
  return out;
}

std::vector<std::string> header_values(const std::vector<WireHeader>& headers,
                                       std::string_view name) {
  Views views = header_views_of(headers, name);
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
