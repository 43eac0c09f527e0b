// The Sofia-SIP adapter: parses with Sofia and copies what Message needs into ladder's types.
// Sofia is included here (and only here) through sofia_magic.h.
#include "sip/sofia_magic.h"
// (sofia_magic.h must come first.)
#include "sip/sofia_parser.h"

#include <charconv>
#include <memory>

#include "sip/text.h"

namespace ladder::sip {
namespace {

struct MsgDestroy {
  void operator()(msg_t* m) const noexcept { msg_destroy(m); }
};
/// Owns one parsed Sofia message.
using MsgPtr = std::unique_ptr<msg_t, MsgDestroy>;

std::string str(const char* s) { return s != nullptr ? std::string(s) : std::string(); }

std::optional<std::uint16_t> parse_port(const char* s) {
  std::string_view v(s);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (ec != std::errc() || end != v.data() + v.size() || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

std::uint16_t port_of(const char* s) { return s != nullptr ? parse_port(s).value_or(0) : 0; }

void add_param(Params& out, std::string_view p) {
  p = text::trim(p);
  if (p.empty()) return;
  std::size_t eq = p.find('=');
  std::string name = text::to_lower(text::trim(p.substr(0, eq)));
  std::string value = eq == std::string_view::npos ? std::string()
                                                   : std::string(text::trim(p.substr(eq + 1)));
  out.emplace_back(std::move(name), std::move(value));
}

// url_params is one string: "transport=tcp;lr".
Params split_url_params(const char* s) {
  Params out;
  if (s == nullptr) return out;
  std::string_view v(s);
  while (!v.empty()) {
    std::size_t semi = v.find(';');
    add_param(out, v.substr(0, semi));
    if (semi == std::string_view::npos) break;
    v.remove_prefix(semi + 1);
  }
  return out;
}

// Header parameters are a NULL-terminated array of "name=value" strings.
Params copy_params(msg_param_t const* params) {
  Params out;
  for (; params != nullptr && *params != nullptr; ++params) add_param(out, *params);
  return out;
}

void copy_url_fields(const url_t& u, Uri& out) {
  out.scheme = text::to_lower(str(u.url_scheme));
  out.user = str(u.url_user);
  out.host = str(u.url_host);
  out.port = port_of(u.url_port);
  out.params = split_url_params(u.url_params);
  out.headers = str(u.url_headers);
}

Uri to_uri(const url_t* u) {
  Uri out;
  if (u == nullptr) return out;
  // Sofia's encoding of what it parsed: escapes of unreserved characters come back decoded.
  isize_t n = url_e(nullptr, 0, u);
  if (n > 0) {
    out.text.resize(static_cast<std::size_t>(n) + 1);
    url_e(out.text.data(), static_cast<isize_t>(out.text.size()), u);
    out.text.resize(static_cast<std::size_t>(n));
  }
  copy_url_fields(*u, out);
  return out;
}

// Sofia keeps a quoted display name with its quotes and escapes; ladder gives the text.
std::string display_of(const char* d) {
  std::string_view v = text::trim(d != nullptr ? std::string_view(d) : std::string_view());
  if (v.size() < 2 || v.front() != '"' || v.back() != '"') return std::string(v);
  v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out += v[i];
  }
  return out;
}

NameAddr to_name_addr(const char* display, const url_t* url, msg_param_t const* params) {
  NameAddr out;
  out.display = display_of(display);
  out.uri = to_uri(url);
  out.params = copy_params(params);
  return out;
}

Via to_via(const sip_via_t& v) {
  Via out;
  out.protocol = str(v.v_protocol);
  std::size_t slash = out.protocol.rfind('/');
  out.transport = slash == std::string::npos ? out.protocol : out.protocol.substr(slash + 1);
  out.host = str(v.v_host);
  out.port = port_of(v.v_port);
  out.params = copy_params(v.v_params);
  return out;
}

// Sofia's default message class is a constant table; asking for it once keeps the call out of
// the per-message path. No su_init() is needed: msg_make() only allocates memory.
msg_mclass_t const* sip_class() {
  static msg_mclass_t const* const mclass = sip_default_mclass();
  return mclass;
}

}  // namespace

SofiaResult parse_with_sofia(std::string_view bytes) {
  SofiaResult r;
  MsgPtr m(msg_make(sip_class(), 0, bytes.data(), static_cast<issize_t>(bytes.size())));
  const sip_t* sip = m ? sip_object(m.get()) : nullptr;
  if (sip == nullptr) return r;
  r.parsed = true;
  r.has_error = msg_has_error(m.get()) != 0;
  r.has_start_line = sip->sip_request != nullptr || sip->sip_status != nullptr;
  // Sofia's error list holds two kinds of header: real error headers (class sip_error_class),
  // read for their name only since their other fields are not initialised, and a second copy
  // of a single-instance header, chained there with its own class and layout: reading er_name
  // of a repeated Max-Forwards reads its count as a pointer (issue 14). Tell them apart by class.
  for (const sip_error_t* e = sip->sip_error; e != nullptr; e = e->er_next) {
    const msg_hclass_t* hc = e->er_common->h_class;
    if (hc == sip_error_class) {
      r.bad_headers.push_back(str(e->er_name));
    } else if (hc != nullptr) {
      r.repeated_headers.push_back(str(hc->hc_name));
    }
  }
  r.has_call_id = sip->sip_call_id != nullptr;
  r.has_cseq = sip->sip_cseq != nullptr;
  r.has_from = sip->sip_from != nullptr;
  r.has_to = sip->sip_to != nullptr;
  r.has_via = sip->sip_via != nullptr;

  if (sip->sip_request != nullptr) r.request_uri = to_uri(sip->sip_request->rq_url);
  if (const sip_from_t* f = sip->sip_from) r.from = to_name_addr(f->a_display, f->a_url, f->a_params);
  if (const sip_to_t* t = sip->sip_to) r.to = to_name_addr(t->a_display, t->a_url, t->a_params);
  for (const sip_contact_t* c = sip->sip_contact; c != nullptr; c = c->m_next) {
    r.contacts.push_back(to_name_addr(c->m_display, c->m_url, c->m_params));
  }
  for (const sip_record_route_t* rr = sip->sip_record_route; rr != nullptr; rr = rr->r_next) {
    r.record_routes.push_back(to_name_addr(rr->r_display, rr->r_url, rr->r_params));
  }
  for (const sip_route_t* rt = sip->sip_route; rt != nullptr; rt = rt->r_next) {
    r.routes.push_back(to_name_addr(rt->r_display, rt->r_url, rt->r_params));
  }
  for (const sip_via_t* v = sip->sip_via; v != nullptr; v = v->v_next) r.vias.push_back(to_via(*v));
  if (sip->sip_max_forwards != nullptr) {
    r.max_forwards = static_cast<int>(sip->sip_max_forwards->mf_count);
  }
  if (sip->sip_content_type != nullptr && sip->sip_content_type->c_type != nullptr) {
    r.content_type = sip->sip_content_type->c_type;
  }
  return r;
}

std::optional<Uri> parse_uri_with_sofia(std::string_view text) {
  // url_d() rewrites its input in place and needs a terminating NUL.
  if (text.empty() || text.find_first_of(" \t\r\n") != std::string_view::npos) return std::nullopt;
  std::string buf(text);
  url_t u{};
  if (url_d(&u, buf.data()) < 0) return std::nullopt;
  bool tel = u.url_type == url_tel;
  if (u.url_type != url_sip && u.url_type != url_sips && !tel) return std::nullopt;
  if (tel ? (u.url_user == nullptr || *u.url_user == '\0')
          : (u.url_host == nullptr || *u.url_host == '\0')) {
    return std::nullopt;
  }
  if (u.url_port != nullptr && !parse_port(u.url_port)) return std::nullopt;
  Uri out;
  out.text = std::string(text);
  copy_url_fields(u, out);
  return out;
}

}  // namespace ladder::sip
