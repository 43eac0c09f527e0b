// Message: owns the bytes; scans them and indexes the header lines in one pass on
// construction, and runs Sofia's parser only on the first question about structure or
// validity, so checks that only read header text never pay for a full parse.
#include <string>
#include <utility>

#include "sip/sip.h"
#include "sip/sofia_parser.h"
#include "sip/syntax.h"
#include "sip/text.h"
#include "sip/wire_headers.h"

namespace ladder::sip {
namespace {

std::string first_line(std::string_view bytes) {
  std::string_view line = bytes.substr(0, bytes.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  constexpr std::size_t kMax = 80;  // enough to recognise it; the bytes are in the message
  if (line.size() > kMax) return std::string(line.substr(0, kMax)) + "...";
  return std::string(line);
}

std::string scan_problem(const Summary& s) {
  if (s.has_content_length && s.content_length > s.body_size) {
    return "Content-Length " + std::to_string(s.content_length) + " but body has " +
           std::to_string(s.body_size) + " bytes";
  }
  return s.problem != nullptr ? std::string(s.problem) : std::string();
}

// RFC 3261 19.1.1's table: a SIP or SIPS Request-URI carries no headers ("?..."); RFC 4475
// 3.1.2.11 holds this against escaped headers in a Request-URI.
std::string request_uri_problem(const SofiaResult& sofia) {
  if (!sofia.request_uri) return "";
  const Uri& u = *sofia.request_uri;
  if ((u.scheme == "sip" || u.scheme == "sips") && !u.headers.empty()) {
    return "bad Request-URI (headers are not allowed in a Request-URI, RFC 3261 19.1.1): '" +
           u.text + "'";
  }
  return "";
}

// The first reason, most fundamental first, so the text names the cause rather than a
// consequence (a garbage start line also "lacks" every header).
std::string find_problem(std::string_view bytes, const Summary& summary, const SofiaResult& sofia,
                         const std::vector<WireHeader>& headers) {
  bool scan_start = summary.is_request || summary.status != 0;
  if (!scan_start) {
    StartKind kind = classify_start(bytes);
    if ((kind == StartKind::request || kind == StartKind::response) && summary.problem) {
      return std::string("bad start line (") + summary.problem + "): '" + first_line(bytes) + "'";
    }
    return "not a SIP start line: '" + first_line(bytes) + "'";
  }
  if (!sofia.has_start_line) {
    return "start line rejected by the SIP parser: '" + first_line(bytes) + "'";
  }
  if (std::string uri = request_uri_problem(sofia); !uri.empty()) return uri;
  if (!sofia.bad_headers.empty()) {
    const std::string& name = sofia.bad_headers.front();
    std::optional<std::string> value = first_header(headers, name);
    if (value) return "bad " + name + " header: '" + *value + "'";
    return name.empty() ? "bad header" : "bad header ('" + name + "')";
  }
  if (std::string syntax = header_syntax_problem(headers); !syntax.empty()) return syntax;
  if (!sofia.repeated_headers.empty()) {
    return "more than one " + sofia.repeated_headers.front() + " header";
  }
  if (sofia.has_error) {
    std::string p = scan_problem(summary);
    return p.empty() ? "rejected by the SIP parser" : p;
  }
  if (!sofia.has_call_id) return "no Call-ID header";
  if (!sofia.has_cseq) return "no CSeq header";
  if (!sofia.has_from) return "no From header";
  if (!sofia.has_to) return "no To header";
  if (!sofia.has_via) return "no Via header";
  return scan_problem(summary);
}

}  // namespace

struct Message::Parsed {
  SofiaResult sofia;
  std::string problem;
};

Message::Message(std::string bytes) : bytes_(std::move(bytes)) { index(); }

Message::Buffers::Buffers() = default;
Message::Buffers::~Buffers() = default;
Message::Buffers::Buffers(Buffers&&) noexcept = default;
Message::Buffers& Message::Buffers::operator=(Buffers&&) noexcept = default;

Message::Message(std::string_view bytes, Buffers&& reuse)
    : bytes_(std::move(reuse.bytes)), headers_(std::move(reuse.headers)) {
  bytes_.assign(bytes);
  index();
}

Message::Buffers Message::release() && {
  Buffers b;
  b.bytes = std::move(bytes_);
  b.headers = std::move(headers_);
  bytes_.clear();
  headers_.clear();
  folded_.clear();
  parsed_.reset();
  summary_ = Summary{};
  return b;
}
Message::~Message() = default;
// Summary and the header index hold views into bytes_. Moving a std::string keeps its heap
// buffer, but a short string lives inside the object and moves by copy: then the views must be
// rebuilt (scan again, parse again lazily).
Message::Message(Message&& other) noexcept : Message(std::move(other), other.bytes_.data()) {}

Message::Message(Message&& other, const char* old_data) noexcept
    : bytes_(std::move(other.bytes_)),
      summary_(other.summary_),
      headers_(std::move(other.headers_)),
      folded_(std::move(other.folded_)),
      parsed_(std::move(other.parsed_)) {
  if (bytes_.data() != old_data) rebuild();
}

void Message::index() {
  headers_.clear();
  folded_.clear();
  summary_ = scan_indexed(bytes_, &headers_, &folded_);
}

void Message::rebuild() {
  index();
  parsed_.reset();
}

Message& Message::operator=(Message&& other) noexcept {
  if (this == &other) return *this;
  const char* old = other.bytes_.data();
  bytes_ = std::move(other.bytes_);
  summary_ = other.summary_;
  headers_ = std::move(other.headers_);
  folded_ = std::move(other.folded_);
  parsed_ = std::move(other.parsed_);
  if (bytes_.data() != old) rebuild();
  return *this;
}

std::string_view Message::bytes() const { return bytes_; }
const Summary& Message::summary() const { return summary_; }

// Sofia's parse (and the problem text, which also reads the wire index), built on first use.
const Message::Parsed& Message::parsed() const {
  if (!parsed_) {
    auto p = std::make_unique<Parsed>();
    p->sofia = parse_with_sofia(bytes_);
    p->problem = find_problem(bytes_, summary_, p->sofia, headers_);
    parsed_ = std::move(p);
  }
  return *parsed_;
}

bool Message::malformed() const { return !parsed().problem.empty(); }
const std::string& Message::problem() const { return parsed().problem; }

std::optional<std::string> Message::header(std::string_view name) const {
  return first_header(headers_, name);
}
std::vector<std::string> Message::headers(std::string_view name) const {
  return header_values(headers_, name);
}
std::size_t Message::count(std::string_view name) const { return count_values(headers_, name); }
std::optional<std::string_view> Message::header_view(std::string_view name) const {
  return first_view(headers_, name);
}
Views Message::header_views(std::string_view name) const {
  return header_views_of(headers_, name);
}

std::optional<Uri> Message::request_uri() const { return parsed().sofia.request_uri; }
std::optional<NameAddr> Message::from() const { return parsed().sofia.from; }
std::optional<NameAddr> Message::to() const { return parsed().sofia.to; }
std::vector<NameAddr> Message::contacts() const { return parsed().sofia.contacts; }
std::vector<NameAddr> Message::record_routes() const { return parsed().sofia.record_routes; }
std::vector<NameAddr> Message::routes() const { return parsed().sofia.routes; }
std::vector<Via> Message::vias() const { return parsed().sofia.vias; }
std::optional<int> Message::max_forwards() const { return parsed().sofia.max_forwards; }
std::optional<std::string> Message::content_type() const { return parsed().sofia.content_type; }

std::string_view Message::body() const {
  std::string_view b = std::string_view(bytes_).substr(bytes_.size() - summary_.body_size);
  if (summary_.has_content_length && summary_.content_length < b.size()) {
    b = b.substr(0, summary_.content_length);
  }
  return b;
}

namespace {
std::optional<std::string> find(const Params& params, std::string_view name) {
  for (const auto& [n, v] : params) {
    if (text::iequals(n, name)) return v;
  }
  return std::nullopt;
}
}  // namespace

std::optional<std::string> Uri::param(std::string_view name) const { return find(params, name); }
std::optional<std::string> NameAddr::param(std::string_view name) const {
  return find(params, name);
}
std::optional<std::string> Via::param(std::string_view name) const { return find(params, name); }

std::optional<Uri> parse_uri(std::string_view text) { return parse_uri_with_sofia(text); }

bool same_uri(const Uri& a, const Uri& b) {
  if (!text::iequals(a.scheme, b.scheme) || a.user != b.user || !text::iequals(a.host, b.host) ||
      a.port != b.port || a.headers != b.headers) {
    return false;
  }
  auto must_match_if_present = [](std::string_view name) {
    for (std::string_view n : {"user", "ttl", "method", "maddr", "transport"}) {
      if (text::iequals(name, n)) return true;
    }
    return false;
  };
  auto compare = [&](const Uri& x, const Uri& y) {
    for (const auto& [name, value] : x.params) {
      std::optional<std::string> other = find(y.params, name);
      if (other ? !text::iequals(value, *other) : must_match_if_present(name)) return false;
    }
    return true;
  };
  return compare(a, b) && compare(b, a);
}

}  // namespace ladder::sip
