// SIP framing on raw bytes: is this SIP, and where does a message end in a stream.
// Pure functions, no allocation, no Sofia: used by capture's UDP detection and TCP reassembly.
#pragma once

#include <cstddef>
#include <string_view>

namespace ladder::sip {

enum class StartKind {
  none,      ///< not a SIP start line
  request,   ///< "METHOD SP uri SP SIP/2.0 CRLF"
  response,  ///< "SIP/2.0 SP 3DIGIT SP reason CRLF"
  partial,   ///< could become a start line once more bytes arrive (streams only)
};

/// Classifies the first line of `bytes`. Only the first line is read (at most 2048 bytes).
/// Methods are any RFC 3261 token, so extension methods are recognised too. This says whether
/// the bytes are SIP at all (capture keeps them), not whether the line is well-formed: a line
/// shaped like SIP with a flaw ("SIP/2.0  200 OK", "INVITE sip:b@h SIP/2.0 " with a trailing
/// SP, "SIP/7.0" as version) is still classified, so a malformed message reaches the checker
/// and is reported rather than lost. start_line_problem() judges the grammar.
StartKind classify_start(std::string_view bytes);

/// Why the first line of `bytes`, classified as a request or response, breaks RFC 3261 25.1
/// (Request-Line = Method SP Request-URI SP SIP-Version CRLF; Status-Line = SIP-Version SP
/// Status-Code SP Reason-Phrase CRLF), as static text; nullptr when it is well-formed. The
/// version is compared case-insensitively (7.1). A response without a reason phrase (and
/// without the SP before it) is accepted, as every stack does.
const char* start_line_problem(std::string_view bytes);

struct FrameLength {
  enum class State { complete, need_more, bad } state = State::need_more;
  std::size_t length = 0;         ///< with `complete`: bytes of the whole message (headers + body)
  bool had_content_length = false;
  const char* error = nullptr;    ///< with `bad`: a static description ("Content-Length is not a number")
};

/// Length of the SIP message at the start of `buf` (which starts with a start line), framed by
/// Content-Length (long or compact "l" form) as RFC 3261 section 18.3 requires for streams.
/// Without Content-Length the body is taken as empty.
FrameLength frame_length(std::string_view buf);
/// The same, given header_end(buf) already.
FrameLength frame_length(std::string_view buf, std::size_t header_end);

/// Offset of the next line in `buf`, at or after `from`, that classifies as a request or
/// response start line; npos if none. Used to resynchronise a stream after a gap.
std::size_t find_start(std::string_view buf, std::size_t from);

/// Offset just past the blank line that ends the header section, or npos.
std::size_t header_end(std::string_view buf);

}  // namespace ladder::sip
