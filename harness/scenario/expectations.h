// What a step expects of a message (strings, headers, URIs, body, timing) and what a played role
// adds when it sends one.
//
// Threading: value types and pure functions; no shared state. A StringMatch's compiled pattern
// is immutable and may be shared between copies and threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scenario/duration.h"
#include "scenario/pattern.h"
#include "scenario/template.h"

namespace ladder::scenario {

enum class MatchOp : std::uint8_t { equals, matches, contains };

/// `equals: X`, `matches: RE` (ECMAScript-like, searched anywhere unless anchored, linear time:
/// see pattern.h), `contains: X`.
struct StringMatch {
  MatchOp op = MatchOp::equals;
  Template value;
  /// Compiled at load when the pattern has no placeholders; otherwise test() compiles it.
  std::optional<Pattern> regex;
};

/// Tests subject against m. Empty when a placeholder has no value (*missing names it).
std::optional<bool> test(const StringMatch& m, std::string_view subject, const Bindings& b,
                         std::string* missing = nullptr);

enum class Presence : std::uint8_t { any, present, absent };

/// A check on one optional string (a URI part, a parameter): presence and/or matches.
/// A non-empty `match` implies present.
struct ValueCheck {
  Presence presence = Presence::any;
  std::vector<StringMatch> match;  ///< all must hold
  SourcePos pos;
};

/// A named parameter check: header parameter (tag, branch, received, expires) or URI parameter
/// (lr, transport, user).
struct ParamCheck {
  std::string name;
  ValueCheck check;
};

/// Expectations on a SIP URI: the whole text and/or its parts.
struct UriExpectation {
  std::vector<StringMatch> match;  ///< on the whole URI, e.g. "sip:carol@example.test"
  std::optional<ValueCheck> scheme, user, host, port;
  std::vector<ParamCheck> params;  ///< URI parameters
  SourcePos pos;
};

/// `save: name` or `save: {var: name, param: tag}`: remember a header value (or one of its
/// parameters) for `${name}` in later steps.
struct SaveSpec {
  std::string var;
  std::optional<std::string> param;
  /// `uri: true`: the value's URI (inside <>, without header parameters): a Contact to call.
  bool uri = false;
  SourcePos pos;
};

/// Expectations on one header name. "Values" are the header's entries in order, counting each
/// comma-separated entry of a list header (Via, Route, Record-Route, Contact ...) on its own, as
/// RFC 3261 7.3.1 makes them equivalent. Index 0 is the first (topmost); -1 the last.
struct HeaderExpectation {
  std::string name;  ///< as written; compare case-insensitively, compact forms included
  SourcePos pos;
  Presence presence = Presence::any;  ///< `present`/`absent`; other checks imply present
  std::optional<int> count;           ///< number of values
  bool every = false;                 ///< `index: all`: apply the checks to every value
  int index = 0;                      ///< which value when !every
  std::vector<StringMatch> value;     ///< equals/matches/contains on the selected value(s)
  std::optional<UriExpectation> uri;  ///< the selected value's URI (also holds `uri_param`)
  std::vector<ParamCheck> params;     ///< header parameters of the selected value
  std::optional<SaveSpec> save;
};

/// Expectations on the message body.
struct BodyExpectation {
  /// Media type without parameters ("application/sdp"), compared case-insensitively.
  std::optional<std::string> content_type;
  std::vector<StringMatch> text;  ///< `contains` / `matches` on the whole body
  std::optional<bool> empty;
  std::vector<Template> sdp_lines;         ///< each must be a whole line of the body
  std::vector<Template> sdp_absent_lines;  ///< none may be a line of the body
  SourcePos pos;
};

/// `retransmissions: 0` (exactly) or `{min: 1, max: 3}`. Absent: tolerated and reported.
struct CountRange {
  int min = 0;
  std::optional<int> max;
};

/// What a played role sends beyond the stack's defaults. The engine interprets it.
struct SendSpec {
  std::vector<std::pair<std::string, Template>> headers;  ///< in the order written
  std::optional<std::string> body_type;                   ///< Content-Type of body_text
  std::optional<Template> body_text;
  /// `sdp: NAME`: an SDP the engine builds: offer, answer, hold, resume.
  std::optional<std::string> sdp_preset;
  SourcePos pos;
};

/// The SDP presets SendSpec::sdp_preset accepts.
const std::vector<std::string>& sdp_presets();

/// Timing: this step within `max` of step `of`. When the file says just `within: 500ms`, `of` is
/// the step's trigger (its causal predecessor) and `of_inferred` is set.
struct Within {
  std::size_t of = 0;  ///< index into Scenario::steps
  bool of_inferred = false;
  Duration max{};
  SourcePos pos;
};

}  // namespace ladder::scenario
