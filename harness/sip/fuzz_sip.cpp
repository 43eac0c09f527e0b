// libFuzzer entry for the SIP adapter: the input is one SIP message's bytes. It goes through
// every question the checker asks of a message (sip.h), so a message from a hostile capture can
// crash none of them: the fast scan, the wire header index, Sofia's parse behind malformed() and
// the structured accessors, and a move and a buffer reuse of the parsed message.
// Build and run: scripts/fuzz fuzz_sip SECONDS. Corpus: fuzz/corpus/fuzz_sip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "sip/bulk.h"
#include "sip/sip.h"

namespace {

using namespace ladder::sip;

// The names the checker asks about, long and compact, in odd case too; and one nobody sends.
constexpr std::string_view kNames[] = {
    "Via",          "v",          "From",        "f",           "To",          "t",
    "Call-ID",      "i",          "CSeq",        "Contact",     "m",           "Max-Forwards",
    "Route",        "Record-Route", "Content-Length", "l",       "Content-Type", "c",
    "Allow",        "Supported",  "k",           "Require",     "Refer-To",    "r",
    "Event",        "o",          "Expires",     "Authorization", "WWW-Authenticate",
    "Subject",      "s",          "Date",        "call-id",     "VIA",         "X-Nobody",
};

// Reads every field, so the sanitizers see each byte the accessors point at.
std::size_t touch(std::string_view s) {
  std::size_t h = s.size();
  for (char c : s) h = h * 31 + static_cast<unsigned char>(c);
  return h;
}
std::size_t touch(const Params& ps) {
  std::size_t h = 0;
  for (const auto& [name, value] : ps) h += touch(name) + touch(value);
  return h;
}
std::size_t touch(const Uri& u) {
  return touch(u.text) + touch(u.scheme) + touch(u.user) + touch(u.host) + u.port +
         touch(u.params) + touch(u.headers) + u.param("transport").has_value() +
         u.param("lr").has_value();
}
std::size_t touch(const NameAddr& n) {
  return touch(n.display) + touch(n.uri) + touch(n.params) + n.param("tag").has_value();
}

std::size_t ask_everything(const Message& m) {
  std::size_t h = 0;
  const Summary& s = m.summary();
  h += touch(s.method) + touch(s.request_uri) + touch(s.reason) + touch(s.call_id) +
       touch(s.cseq_method) + touch(s.via_branch) + touch(s.from_tag) + touch(s.to_tag) +
       s.content_length + s.body_size + static_cast<std::size_t>(s.status) + s.cseq +
       (s.problem != nullptr ? touch(s.problem) : 0) + s.transmission;
  h += transmission_key(s);
  for (std::string_view name : kNames) {
    h += touch(canonical_name(name));
    if (auto v = m.header(name)) h += touch(*v);
    for (const std::string& v : m.headers(name)) h += touch(v);
    h += m.count(name);
    if (auto v = m.header_view(name)) h += touch(*v);
    Views views = m.header_views(name);
    for (std::string_view v : views) h += touch(v);
  }
  h += m.malformed();
  h += touch(m.problem());
  if (auto u = m.request_uri()) {
    h += touch(*u);
    if (auto again = parse_uri(u->text)) h += touch(*again);
  }
  if (auto f = m.from()) h += touch(*f);
  if (auto t = m.to()) h += touch(*t);
  for (const NameAddr& n : m.contacts()) h += touch(n);
  for (const NameAddr& n : m.record_routes()) h += touch(n);
  for (const NameAddr& n : m.routes()) h += touch(n);
  for (const Via& v : m.vias()) {
    h += touch(v.protocol) + touch(v.transport) + touch(v.host) + v.port + touch(v.params) +
         v.param("branch").has_value() + v.param("received").has_value();
  }
  if (auto mf = m.max_forwards()) h += static_cast<std::size_t>(*mf);
  h += touch(m.body());
  if (auto ct = m.content_type()) h += touch(*ct);
  return h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  volatile std::size_t sink = 0;

  // The fast paths on their own, as bulk checks call them before any Message exists.
  sink = sink + touch(call_id_of(bytes)) + scan(bytes).transmission;
  if (auto u = parse_uri(bytes)) sink = sink + touch(*u);

  // A fresh message, asked everything; then moved (a short message moves by copy, and the views
  // into it are rebuilt) and asked again what lives in those views.
  Message first{std::string(bytes)};
  sink = sink + ask_everything(first);
  Message moved = std::move(first);
  sink = sink + touch(moved.summary().call_id) + touch(moved.summary().via_branch) +
         touch(moved.body()) + moved.malformed();
  for (std::string_view name : kNames) {
    for (std::string_view v : moved.header_views(name)) sink = sink + touch(v);
  }

  // Built in another message's memory, as `--each` does, asked before any full parse.
  Message reused(bytes, std::move(moved).release());
  sink = sink + touch(reused.summary().call_id) + reused.count("Via");
  sink = sink + ask_everything(reused);
  return 0;
}
