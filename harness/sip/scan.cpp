// scan(): one pass over a whole message, no allocation (unless Message asks for the header
// index in the same pass). Header lines are found 16 bytes a step (walk.h) and told apart by
// header id, which the index needs anyway.
#include <functional>

#include "sip/names.h"
#include "sip/sip.h"
#include "sip/text.h"
#include "sip/walk.h"
#include "sip/wire_headers.h"

namespace ladder::sip {
namespace {

using text::is_digit;
using text::is_ws;

constexpr std::string_view kVersion = "SIP/2.0";

// Fills the start-line fields when the line is well-formed. framing's classifier decides what
// is SIP, so scan() and the capture's SIP detection never disagree about that; a line that is
// SIP but breaks the grammar ("SIP/2.0  200 OK") fills nothing, so no step takes the message
// for what it may have meant, and its problem names the flaw.
const char* scan_start_line(std::string_view bytes, Summary& s) {
  if (const char* problem = start_line_problem(bytes)) return problem;
  std::size_t nl = bytes.find('\n');
  std::string_view line = bytes.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (text::iequals(line.substr(0, 4), "SIP/")) {  // no method token holds a '/'
    s.status = (line[8] - '0') * 100 + (line[9] - '0') * 10 + (line[10] - '0');
    s.reason = line.size() > 12 ? text::trim(line.substr(12)) : std::string_view{};
    return nullptr;
  }
  s.is_request = true;
  std::size_t sp = line.find(' ');
  s.method = line.substr(0, sp);
  s.request_uri = line.substr(sp + 1, line.size() - kVersion.size() - 1 - (sp + 1));
  return nullptr;
}

// "1 INVITE" with LWS between: RFC 3261 25.1 CSeq = 1*DIGIT LWS Method.
bool scan_cseq(std::string_view v, Summary& s) {
  std::size_t i = 0;
  std::uint64_t n = 0;
  while (i < v.size() && is_digit(v[i])) {
    n = n * 10 + static_cast<std::uint64_t>(v[i] - '0');
    if (n > 0xffffffffu) return false;  // RFC 3261 8.1.1.5: less than 2**31; allow uint32
    ++i;
  }
  if (i == 0 || i == v.size() || !text::is_lws(v[i])) return false;
  while (i < v.size() && text::is_lws(v[i])) ++i;
  std::size_t m = i;
  while (i < v.size() && !text::is_lws(v[i])) ++i;
  if (m == i || i != v.size()) return false;  // v is trimmed, so anything left is a 3rd word
  s.cseq = static_cast<std::uint32_t>(n);
  s.cseq_method = v.substr(m);
  return true;
}

bool scan_length(std::string_view v, std::size_t& out) {
  if (v.empty() || v.size() > 9) return false;  // > 999,999,999 bytes is not a SIP body
  std::size_t n = 0;
  for (char c : v) {
    if (!is_digit(c)) return false;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  out = n;
  return true;
}

std::string_view tag_of(std::string_view name_addr) {
  std::size_t p = text::header_params_start(name_addr);
  if (p == std::string_view::npos) return {};
  bool found = false;
  return text::find_param(name_addr.substr(p), "tag", found);
}

enum class Wanted { other, call_id, cseq, content_length, via, from, to };

// header_id() of the headers scan() reads: the index needs each line's id anyway, and comparing
// ints is cheaper than comparing names again.
struct WantedIds {
  int call_id = header_id("Call-ID"), cseq = header_id("CSeq"),
      content_length = header_id("Content-Length"), via = header_id("Via"),
      from = header_id("From"), to = header_id("To");
};
const WantedIds& wanted_ids() {
  static const WantedIds ids;  // on first use: safe from static initialisation order
  return ids;
}

Wanted wanted(int id) {
  if (id < 0) return Wanted::other;
  const WantedIds& ids = wanted_ids();
  if (id == ids.call_id) return Wanted::call_id;
  if (id == ids.cseq) return Wanted::cseq;
  if (id == ids.content_length) return Wanted::content_length;
  if (id == ids.via) return Wanted::via;
  if (id == ids.from) return Wanted::from;
  if (id == ids.to) return Wanted::to;
  return Wanted::other;
}

void set_problem(Summary& s, const char* p) {
  if (s.problem == nullptr) s.problem = p;
}

}  // namespace

std::string_view call_id_of(std::string_view bytes) {
  std::string_view id;
  walk_headers(bytes, [&](std::string_view name, std::string_view value, bool) {
    if (header_id(name) != wanted_ids().call_id) return true;
    id = value;
    return false;
  });
  return id;
}

Summary scan(std::string_view bytes) { return scan_indexed(bytes, nullptr, nullptr); }

Summary scan_indexed(std::string_view bytes, std::vector<WireHeader>* index,
                     std::forward_list<std::string>* folded) {
  Summary s;
  if (const char* problem = scan_start_line(bytes, s)) set_problem(s, problem);

  bool call_id = false, cseq = false, from = false, to = false, via = false;
  const char* const end = bytes.data() + bytes.size();
  if (index != nullptr) index->reserve(16);
  auto on_header = [&](std::string_view name, std::string_view value, bool is_folded) {
    int id = header_id(name);
    if (index != nullptr) add_header(*index, *folded, name, value, is_folded, id);
    switch (wanted(id)) {
      case Wanted::call_id:
        if (!call_id) s.call_id = value;
        call_id = true;
        break;
      case Wanted::cseq:
        if (!cseq && !scan_cseq(value, s)) set_problem(s, "CSeq is not 'number method'");
        cseq = true;
        break;
      case Wanted::content_length:
        if (!s.has_content_length && !scan_length(value, s.content_length)) {
          set_problem(s, "Content-Length is not a number");
        }
        s.has_content_length = true;
        break;
      case Wanted::via:
        if (!via) {
          bool found = false;
          s.via_branch = text::find_param(value, "branch", found);
        }
        via = true;
        break;
      case Wanted::from:
        if (!from) s.from_tag = tag_of(value);
        from = true;
        break;
      case Wanted::to:
        if (!to) s.to_tag = tag_of(value);
        to = true;
        break;
      case Wanted::other:
        break;
    }
    return true;
  };
  const char* body = walk_headers(bytes, on_header);

  s.body_size = static_cast<std::size_t>(end - body);
  if (!call_id) set_problem(s, "no Call-ID header");
  if (!cseq) set_problem(s, "no CSeq header");
  if (!from) set_problem(s, "no From header");
  if (!to) set_problem(s, "no To header");
  if (!via) set_problem(s, "no Via header");
  if (s.has_content_length && s.content_length > s.body_size) {
    set_problem(s, "Content-Length is larger than the body");
  }
  s.transmission = transmission_key(s);
  return s;
}

std::uint64_t transmission_key(const Summary& s) {
  std::hash<std::string_view> h;
  auto mix = [](std::uint64_t k, std::uint64_t v) {
    return k ^ (v + 0x9e3779b97f4a7c15ull + (k << 6) + (k >> 2));
  };
  std::uint64_t k = s.is_request ? h(s.method) : static_cast<std::uint64_t>(s.status);
  k = mix(k, h(s.call_id));
  k = mix(k, s.cseq);
  k = mix(k, h(s.cseq_method));
  k = mix(k, h(s.via_branch));
  return mix(k, h(s.to_tag));
}

}  // namespace ladder::sip
