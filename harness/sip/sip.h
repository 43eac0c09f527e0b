// ladder::sip: one SIP message, from raw bytes.
//
// Two speeds. scan() is a fast, allocation-free pass that finds what indexing needs (start line,
// Call-ID, CSeq, top Via branch, tags, Content-Length) so the checker and `ladder show --summary`
// can go through hundreds of thousands of packets per second. Message parses fully with
// Sofia-SIP's own parser, lazily, on the first question that needs it; Sofia stays inside this
// module's adapter (sofia_parser.cpp) and is linked PRIVATE.
//
// Which source answers what (a deliberate split):
// - Header text (header(), headers(), count()) comes from the wire bytes, so a conformance
//   check compares exactly what was sent; the only normalisation is trimming and turning each
//   fold into one SP. It also works on messages Sofia rejects.
// - Structure and validity (malformed(), problem(), request_uri(), from(), to(), vias(), ...)
//   come from Sofia-SIP's parser, which is the reference for what a real stack accepts. Sofia
//   re-encodes URIs, so Uri::text from these accessors can differ from the wire in escaping
//   (sip:%61lice@h comes back as sip:alice@h); use header() for the exact bytes.
//
// Threading: a Message is not thread-safe (its lazy parse mutates it); use it from one thread.
// Different Messages may be used on different threads.
#pragma once

#include <cstdint>
#include <forward_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"
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
  /// First structural problem (static text), or nullptr: "not a SIP start line", a flaw of a
  /// SIP start line from start_line_problem() ("the status line has extra whitespace"; then the
  /// start-line fields above stay empty),
  /// "no Call-ID header" (also CSeq, From, To, Via), "CSeq is not 'number method'",
  /// "Content-Length is not a number", "Content-Length is larger than the body".
  const char* problem = nullptr;
  /// transmission_key() of this summary, computed once by scan(): bulk checks use it several
  /// times per message.
  std::uint64_t transmission = 0;
};

/// Identity of one transmission of a message, apart from where it went: a retransmission
/// repeats the start line, Call-ID, CSeq, top Via branch and To tag. Callers add the hop
/// (source and destination) to tell copies on different hops apart.
std::uint64_t transmission_key(const Summary& summary);

/// Scans one whole SIP message. Never allocates, never throws; compact header forms count,
/// names are case-insensitive, folded lines are followed. Only the first Call-ID, CSeq, Via,
/// From, To and Content-Length lines are read. A value that spans a fold is returned with the
/// fold's bytes in it (a view cannot remove them). The start line is judged by
/// classify_start(), as capture does.
Summary scan(std::string_view bytes);

/// The Call-ID that scan() would find, read by walking the headers only as far as its line:
/// cheap enough to sort every message of a capture by call before anything else is done.
/// Empty when there is none.
std::string_view call_id_of(std::string_view bytes);

/// A parameter list as on the wire: ";tag=abc;lr" -> {{"tag","abc"},{"lr",""}}. Names lower-case.
using Params = std::vector<std::pair<std::string, std::string>>;

struct Uri {
  std::string text;    ///< parse_uri(): the input; from a Message: Sofia's encoding
  std::string scheme;  ///< "sip", "sips", "tel" (lower-case)
  std::string user;    ///< without password; for tel: the number ("+1-201-555-0123")
  std::string host;    ///< IPv6 references keep their brackets: "[2001:db8::1]"
  std::uint16_t port = 0;  ///< 0 when absent
  Params params;
  std::string headers;  ///< after '?', as written ("Subject=hi&Priority=urgent")
  std::optional<std::string> param(std::string_view name) const;
};

/// From, To, Contact, Route, Record-Route, Refer-To ...
struct NameAddr {
  std::string display;  ///< without quotes and backslash escapes; "" when absent
  Uri uri;
  Params params;  ///< header parameters (outside <>): tag, expires, q
  std::optional<std::string> param(std::string_view name) const;
};

struct Via {
  std::string protocol;   ///< "SIP/2.0/UDP"
  std::string transport;  ///< "UDP"
  std::string host;       ///< IPv6 references keep their brackets
  std::uint16_t port = 0;
  Params params;  ///< branch, received, rport ("rport" without value gives {"rport",""})
  std::optional<std::string> param(std::string_view name) const;
};

/// Parses a sip:, sips: or tel: URI on its own ("sip:alice@example.com:5060;transport=tcp")
/// with Sofia's URI parser. Empty on error, for other schemes, and for text with whitespace.
std::optional<Uri> parse_uri(std::string_view text);

/// RFC 3261 19.1.4: do two SIP or SIPS URIs name the same resource? Scheme and host compare
/// case-insensitively, the user part case-sensitively, the port as written (an absent port
/// differs from an explicit 5060); parameters present in both must match case-insensitively,
/// and user, ttl, method, maddr and transport must not be present in only one; headers must
/// match. Pure; for comparing what parse_uri() or a Message gives.
bool same_uri(const Uri& a, const Uri& b);

/// Long header name for a compact form ("i" -> "Call-ID", "v" -> "Via"); the name itself if
/// it is not a compact form. Case is normalised for the well-known headers.
std::string_view canonical_name(std::string_view name);

struct WireHeader;  // private: one header line of the wire index (wire_headers.h)

/// A short list of views into a message (sip/bulk.h: for hot paths only).
class Views;

/// One SIP message, owning its bytes. Creating one scans and indexes the header lines (one pass,
/// one allocation besides the bytes); Sofia parses only when a question needs it.
class Message {
 public:
  explicit Message(std::string bytes);
  ~Message();
  /// Moves keep summary() valid: its views are rebuilt if the bytes had to be copied.
  Message(Message&&) noexcept;
  Message& operator=(Message&&) noexcept;

  /// The memory a message holds, to build another in (sip/bulk.h: for bulk checks only).
  struct Buffers;
  /// A copy of `bytes` made in `reuse`'s memory.
  Message(std::string_view bytes, Buffers&& reuse);
  /// Gives the memory up for another message; this one is left empty.
  Buffers release() &&;

  std::string_view bytes() const;
  /// Fast fields (scan()). Computed on construction.
  const Summary& summary() const;

  /// True when Sofia's parser rejects the message, a mandatory header (Call-ID, CSeq, From,
  /// To, Via) is missing, or scan() found a problem. The message stays usable: header text
  /// always, structure for whatever Sofia could parse.
  bool malformed() const;
  /// The reason when malformed(), else empty. The first that applies of:
  ///   "not a SIP start line: '<first line>'", "bad start line (<flaw>): '<first line>'",
  ///   "bad Request-URI (<flaw>): '<uri>'", "bad <Name> header: '<wire value>'",
  ///   "Content-Length <n> but body has <m> bytes", "no <Name> header", scan()'s problem,
  ///   "rejected by the SIP parser".
  const std::string& problem() const;

  /// First value of a header, as on the wire (trimmed, folds as one SP), by long or compact
  /// name, case-insensitive. For list headers the first element. Empty optional when absent.
  std::optional<std::string> header(std::string_view name) const;
  /// Every value of a header in wire order, across repeated header lines; list headers (Via,
  /// Route, Record-Route, Contact, Allow, Supported, Require ...) are split at commas outside
  /// quotes and <>. Other headers (Date, WWW-Authenticate, Subject, unknown ones) never are.
  std::vector<std::string> headers(std::string_view name) const;
  /// headers(name).size(), without building the values.
  std::size_t count(std::string_view name) const;
  /// header() and headers() without copies, for hot paths. The views live as long as this
  /// Message and are invalidated by moving it. header_views() needs sip/bulk.h.
  std::optional<std::string_view> header_view(std::string_view name) const;
  Views header_views(std::string_view name) const;

  std::optional<Uri> request_uri() const;
  std::optional<NameAddr> from() const;
  std::optional<NameAddr> to() const;
  std::vector<NameAddr> contacts() const;
  std::vector<NameAddr> record_routes() const;
  std::vector<NameAddr> routes() const;
  std::vector<Via> vias() const;
  std::optional<int> max_forwards() const;
  /// Bytes after the blank line, cut to Content-Length when that is smaller (extra bytes in a
  /// datagram are not body, RFC 3261 18.3).
  std::string_view body() const;
  /// "type/subtype" without parameters (use header("Content-Type") for those).
  std::optional<std::string> content_type() const;

 private:
  struct Parsed;  // Sofia's parse and the problem text; defined in message.cpp
  const Parsed& parsed() const;
  /// The move, given where other's bytes were: a short string moves by copy, and then the
  /// views into the old buffer must be rebuilt.
  Message(Message&& other, const char* old_data) noexcept;
  void index();    ///< scan() and the header index, in one pass
  void rebuild();  ///< after bytes_ moved by copy: views into the old buffer are stale
  std::string bytes_;
  Summary summary_;
  // The wire header index, built with the scan: a bulk check reads it for every message.
  std::vector<WireHeader> headers_;
  std::forward_list<std::string> folded_;  ///< unfolded text of folded lines (rare)
  mutable std::unique_ptr<Parsed> parsed_;
};

// ---------------------------------------------------------------------------------------------
// A SIP message seen on the wire: one envelope from capture to report

/// Where and when one SIP message was seen. Defined once, here, and passed on whole: the
/// capture decoder fills it, the engine fills it for its own view, the checker and the reports
/// read it.
struct Wire {
  /// Frame that completed the message (Wireshark's numbering); in the engine's own view, the
  /// message's place in that view, from 1.
  std::uint64_t frame = 0;
  /// First frame that carried part of it (IP fragments, TCP segments); equal to `frame` when one
  /// frame carried all of it, 0 when unknown.
  std::uint64_t first_frame = 0;
  core::TimeNs time = 0;  ///< time of `frame`
  core::Endpoint src;
  core::Endpoint dst;
  core::Transport transport = core::Transport::udp;
  bool incomplete = false;   ///< the stream ended or gapped before the whole message arrived
  bool engine_view = false;  ///< from the engine's transport log, not from a capture
};

/// Identity of one transmission on one hop: a retransmission repeats it exactly (the same
/// transmission_key() between the same endpoints over the same transport). The one rule for
/// "is this a retransmission" in capture reading, checking and the engine.
std::uint64_t hop_key(const Wire& hop, const Summary& summary);

/// A message on the wire whose bytes are borrowed: valid only during the call it is passed to.
/// What the capture decoder hands out, and what a bulk check takes before it decides to parse.
struct WireBytes : Wire {
  std::string_view bytes;
};

/// A message on the wire, owning its parsed message: the checker's input, the engine's view.
struct WireMessage : Wire {
  Message message;
  /// The same message with bytes of its own (Message is move-only).
  WireMessage copy() const {
    return {static_cast<const Wire&>(*this), Message(std::string(message.bytes()))};
  }
};

}  // namespace ladder::sip
