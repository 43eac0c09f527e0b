// ladder::sip: one SIP message, from raw bytes.
//
// Two speeds. scan() is a fast, allocation-free pass that finds what indexing needs (start line,
// Call-ID, CSeq, top Via branch, tags, Content-Length) so the checker and `ladder show --summary`
// can go through hundreds of thousands of packets per second. Message parses fully with
// Sofia-SIP's own parser, lazily, on the first question that needs it; Sofia stays inside this
// module's adapter (sofia_parser.cpp) and is linked PRIVATE.
//
// Threading: a Message is not thread-safe (its lazy parse mutates it); use it from one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sip/framing.h"

namespace ladder::sip {

/// What scan() finds. Views point into the scanned bytes; they live as long as those bytes.
struct Summary {
  bool is_request = false;
  std::string_view method;       ///< requests: "INVITE"
  std::string_view request_uri;  ///< requests: "sip:bob@example.com"
  int status = 0;                ///< responses: 180
  std::string_view reason;       ///< responses: "Ringing"
  std::string_view call_id;
  std::uint32_t cseq = 0;
  std::string_view cseq_method;
  std::string_view via_branch;  ///< branch parameter of the top Via
  std::string_view from_tag;
  std::string_view to_tag;
  bool has_content_length = false;
  std::size_t content_length = 0;
  std::size_t body_size = 0;  ///< bytes after the blank line
  /// First structural problem, or nullptr: "not a SIP start line", "no Call-ID header",
  /// "CSeq is not 'number method'", "Content-Length 120 but body has 80 bytes", ...
  const char* problem = nullptr;
};

/// Scans one whole SIP message. Never allocates, never throws; compact header forms count.
Summary scan(std::string_view bytes);

/// A parameter list as on the wire: ";tag=abc;lr" -> {{"tag","abc"},{"lr",""}}. Names lower-case.
using Params = std::vector<std::pair<std::string, std::string>>;

struct Uri {
  std::string text;    ///< as on the wire
  std::string scheme;  ///< "sip", "sips", "tel"
  std::string user;
  std::string host;
  std::uint16_t port = 0;  ///< 0 when absent
  Params params;
  std::optional<std::string> param(std::string_view name) const;
};

/// From, To, Contact, Route, Record-Route, Refer-To ...
struct NameAddr {
  std::string display;
  Uri uri;
  Params params;  ///< header parameters (outside <>): tag, expires, q
  std::optional<std::string> param(std::string_view name) const;
};

struct Via {
  std::string protocol;   ///< "SIP/2.0/UDP"
  std::string transport;  ///< "UDP"
  std::string host;
  std::uint16_t port = 0;
  Params params;  ///< branch, received, rport ...
  std::optional<std::string> param(std::string_view name) const;
};

/// Parses a URI on its own ("sip:alice@example.com:5060;transport=tcp"). Empty on error.
std::optional<Uri> parse_uri(std::string_view text);

/// Long header name for a compact form ("i" -> "Call-ID", "v" -> "Via"); the name itself if
/// it is not a compact form. Case is normalised for the well-known headers.
std::string_view canonical_name(std::string_view name);

/// One SIP message, owning its bytes. Cheap to create: nothing is parsed until asked.
class Message {
 public:
  explicit Message(std::string bytes);
  ~Message();
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;

  std::string_view bytes() const;
  /// Fast fields (scan()). Computed on construction.
  const Summary& summary() const;

  /// True when Sofia's parser rejects the message or a mandatory part is missing.
  bool malformed() const;
  /// The parser's reason when malformed(), else empty.
  const std::string& problem() const;

  /// First value of a header, as on the wire (trimmed), by long or compact name,
  /// case-insensitive. Empty optional when absent.
  std::optional<std::string> header(std::string_view name) const;
  /// Every value of a header in order, across repeated header lines and comma-separated lists.
  std::vector<std::string> headers(std::string_view name) const;
  std::size_t count(std::string_view name) const;

  std::optional<Uri> request_uri() const;
  std::optional<NameAddr> from() const;
  std::optional<NameAddr> to() const;
  std::vector<NameAddr> contacts() const;
  std::vector<NameAddr> record_routes() const;
  std::vector<NameAddr> routes() const;
  std::vector<Via> vias() const;
  std::optional<int> max_forwards() const;
  std::string_view body() const;
  std::optional<std::string> content_type() const;

 private:
  struct Parsed;
  const Parsed& parsed() const;
  std::string bytes_;
  Summary summary_;
  mutable std::unique_ptr<Parsed> parsed_;
};

}  // namespace ladder::sip
