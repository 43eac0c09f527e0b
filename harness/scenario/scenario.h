// ladder::scenario: ladder files (the expected call flow) and testbed files (where the roles live),
// loaded from YAML into plain structs, with every reference resolved and validated.
//
// One model for two consumers: the checker holds a capture against a Scenario; the engine plays
// the roles it is told to play from the same Scenario. Both read the derived fields (Step::answers
// when inferred, Step::preceded_by, Step::trigger, Within::of) instead of re-deriving the order
// rules of DESIGN.md.
//
// Loading never throws and never exits: it returns the model (when there were no errors) and
// every diagnostic found, several per file. Diagnostic::message is one summary line, then the
// offending source line and a caret under the column, clang style:
//
//   scenarios/basic/call.yaml:12:14: error: unknown key 'form' in step F3; did you mean 'from'?
//      12 |   - {id: F3, form: B, to: P, response: 180}
//         |              ^
//
// so Diagnostic::format() prints what a terminal user wants; machine consumers keep the first
// line (summary_line()). yaml-cpp stays inside this module's .cpp files.
//
// Threading: everything here is a value type or a pure function; no shared state.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"

namespace ladder::scenario {

using Duration = std::chrono::microseconds;

/// 1-based line and column in the source file; 0 when unknown (a value built in code).
struct SourcePos {
  int line = 0;
  int col = 0;
};

// ---------------------------------------------------------------------------------------------
// Values with ${...} placeholders

/// One piece of a template: literal text, `${name}` (a variable saved by an earlier step) or
/// `${ROLE.attr}` (a role attribute from the testbed or role map).
struct TemplatePart {
  enum class Kind : std::uint8_t { literal, variable, role_attr };
  Kind kind = Kind::literal;
  std::string text;  ///< literal text, or the variable name
  std::string role;  ///< role_attr only: "C"
  std::string attr;  ///< role_attr only: one of role_attributes()
};

/// A string from the ladder that may hold placeholders. `$${` writes a literal `${`.
struct Template {
  std::string source;  ///< as written
  std::vector<TemplatePart> parts;
  SourcePos pos;

  bool is_literal() const;  ///< no placeholders: source is the value
};

/// Parses placeholders. On a malformed one (`${` without `}`, empty name, `${A.}`) returns empty
/// and sets *error.
std::optional<Template> parse_template(std::string_view text, std::string* error);

/// The attribute names `${ROLE.attr}` accepts: user, domain, host, port, address.
const std::vector<std::string>& role_attributes();

/// Values known while checking or running: variables saved so far and role attributes
/// ("C" -> {"user": "carol", "host": "[fd00::3]", ...}).
struct Bindings {
  std::map<std::string, std::string, std::less<>> variables;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> roles;
};

enum class Escape : std::uint8_t { none, regex };

/// Substitutes placeholders. With Escape::regex, substituted values are escaped so they match
/// literally inside a pattern. Empty when a value is unknown; *missing then names it ("${C.user}").
std::optional<std::string> expand(const Template& t, const Bindings& b,
                                  Escape escape = Escape::none, std::string* missing = nullptr);

// ---------------------------------------------------------------------------------------------
// Expectations on strings, headers and bodies

enum class MatchOp : std::uint8_t { equals, matches, contains };

/// `equals: X`, `matches: RE` (ECMAScript, searched anywhere unless anchored), `contains: X`.
struct StringMatch {
  MatchOp op = MatchOp::equals;
  Template value;
  /// Compiled at load when the pattern has no placeholders; otherwise test() compiles it.
  std::optional<std::regex> regex;
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

// ---------------------------------------------------------------------------------------------
// Steps and scenarios

enum class StepKind : std::uint8_t { request, response };

/// One message of the ladder. Step references are indices into Scenario::steps.
struct Step {
  std::string id;  ///< "F17"
  SourcePos pos;
  std::string note;      ///< free text for reports: "User B wants to release the call"
  std::string from, to;  ///< role ids
  StepKind kind = StepKind::request;
  std::string method;                         ///< requests: "INVITE"
  std::optional<UriExpectation> request_uri;  ///< requests: `uri:`
  int status = 0;                             ///< responses: 180
  std::optional<std::string> reason;          ///< responses: expected reason phrase, if given

  /// Responses: the request step this answers (written as `answers:` or inferred; see
  /// answers_inferred). Always set on a valid scenario's responses.
  std::optional<std::size_t> answers;
  bool answers_inferred = false;
  std::optional<std::string> dialog;    ///< dialog label
  std::optional<std::size_t> forwards;  ///< the step this proxy/B2BUA message forwards
  bool optional = false;                ///< may be missing from the capture
  std::optional<std::size_t> after;     ///< explicit trigger for the engine
  std::optional<Within> within;
  std::optional<Duration>
      timeout;  ///< how long to wait for this step; Policy::step_timeout if unset
  std::vector<HeaderExpectation> headers;
  std::optional<BodyExpectation> body;
  std::optional<SendSpec> send;
  std::optional<CountRange> retransmissions;

  /// Derived, DESIGN.md's causal order: the steps this one must follow (sorted, unique): the step
  /// it forwards, the request it answers, `after`, and every earlier step its sender received.
  /// Steps sharing an any_order group with this one are left out. Optional steps are included:
  /// a missing optional step constrains nothing.
  std::vector<std::size_t> preceded_by;
  /// Derived: the latest non-optional step of preceded_by (or `after` when given): the event that
  /// lets the sender act. Empty for a flow's first action.
  std::optional<std::size_t> trigger;

  bool is_request() const { return kind == StepKind::request; }
  /// "INVITE" or "200" (the reason is not included).
  std::string label() const;
};

enum class RoleKind : std::uint8_t { ua, proxy, b2bua };
std::string_view to_string(RoleKind k);

struct Role {
  std::string id;  ///< "A", "P"
  RoleKind kind = RoleKind::ua;
  SourcePos pos;
};

enum class DialogState : std::uint8_t {
  established,  ///< existed before the first step (e.g. F17-F28 alone)
  fresh,        ///< written `new`: created by the scenario's steps
};

struct Dialog {
  std::string label;
  DialogState state = DialogState::fresh;
  SourcePos pos;
};

enum class ExtraMessages : std::uint8_t { fail, warn, ignore };
std::string_view to_string(ExtraMessages e);

struct Policy {
  ExtraMessages extra_messages = ExtraMessages::warn;
  bool strict_order = false;  ///< demand the listed order, not just the causal one
  /// Forwards must add Record-Route. Empty: true for proxy roles, false otherwise. A testbed
  /// DUT's own record_route overrides this.
  std::optional<bool> record_route;
  std::optional<Duration> step_timeout;
  /// Failure kinds reported as warnings, for known deviations of a DUT or a capture
  /// (`waive: [dialog, rule]`). Each is one of waivable_kinds().
  std::vector<std::string> waive;
};

/// The checker's failure kinds a policy may waive: missing, order, header, body, forward,
/// dialog, rule, timing, retransmission, extra.
const std::vector<std::string>& waivable_kinds();

struct Scenario {
  std::string name;
  std::string summary;
  std::vector<std::string> tags;
  std::string source;  ///< the file it came from, as given to the loader
  std::vector<Role> roles;
  std::vector<Dialog> dialogs;
  Policy policy;
  /// Groups of step indices whose relative order is free even against causality.
  std::vector<std::vector<std::size_t>> any_order;
  std::vector<Step> steps;  ///< in listed order: one valid interleaving

  const Role* find_role(std::string_view id) const;
  const Dialog* find_dialog(std::string_view label) const;
  std::optional<std::size_t> find_step(std::string_view id) const;
  /// Whether forwards by this role must add Record-Route, per policy and role kind.
  bool expects_record_route(const Role& role) const;
};

// ---------------------------------------------------------------------------------------------
// Testbeds

enum class PlayedBy : std::uint8_t { harness, dut, external };
std::string_view to_string(PlayedBy p);

enum class DriverKind : std::uint8_t { action_uri, csta, prompt, baresip };
std::string_view to_string(DriverKind k);

/// How the harness makes a handset DUT act. `options` is free-form for the driver; secrets are
/// named by `*_env` keys holding environment variable names.
struct Driver {
  DriverKind kind = DriverKind::prompt;
  std::map<std::string, std::string> options;
  SourcePos pos;
};

struct TestbedRole {
  std::string id;
  SourcePos pos;
  PlayedBy played_by = PlayedBy::harness;
  /// harness: where to bind (port 0: ephemeral). dut/external: where it is.
  core::Endpoint address;
  core::Transport transport = core::Transport::udp;
  std::string user;
  std::string domain;
  std::optional<std::string> password_env;  ///< name of the environment variable, never the secret
  bool registers = false;                   ///< harness: REGISTER before the flow
  RoleKind kind = RoleKind::ua;             ///< dut: what it is
  std::optional<bool> record_route;         ///< dut proxies: whether it record-routes
  std::optional<Driver> driver;             ///< handset DUTs
};

struct CaptureSettings {
  std::string interface;  ///< empty: the engine picks (lo for loopback testbeds)
  Duration linger{std::chrono::milliseconds(500)};  ///< keep capturing after the last step
};

struct Timeouts {
  std::optional<Duration> step;
  std::optional<Duration> scenario;
};

struct Testbed {
  std::string source;
  std::vector<TestbedRole> roles;
  CaptureSettings capture;
  Timeouts timeouts;

  const TestbedRole* find_role(std::string_view id) const;
};

/// `${ROLE.attr}` values from a testbed: user, domain, host ("127.0.0.1", "[fd00::1]": ready for
/// a URI), port, address ("host:port"). Port-0 binds give no port or address (not known yet).
Bindings bindings_from(const Testbed& testbed);

/// Cross-checks a scenario against a testbed: every scenario role bound, forwards only from DUTs
/// of a matching kind. Diagnostics point into the scenario file.
std::vector<core::Diagnostic> check_binding(const Scenario& scenario, const Testbed& testbed);

// ---------------------------------------------------------------------------------------------
// Role maps for the checker: which capture addresses are which role

struct RoleAddress {
  core::Address address;
  std::optional<std::uint16_t> port;  ///< empty: any port of that address
};

struct RoleMap {
  std::map<std::string, std::vector<RoleAddress>, std::less<>> roles;

  /// Parses one "--role" value: "A=10.0.0.5:5060", "A=[fd00::1]:5060", "A=10.0.0.5",
  /// "A=[fd00::1]". Empty on bad text, *error says why.
  static std::optional<std::pair<std::string, RoleAddress>> parse_binding(std::string_view text,
                                                                          std::string* error);
  /// Adds parsed bindings; a role may have several addresses. Empty on the first bad one.
  static std::optional<RoleMap> parse(const std::vector<std::string>& texts, std::string* error);
  /// Every role of the testbed with its address; port-0 binds become "any port".
  static RoleMap from_testbed(const Testbed& testbed);

  /// The role at this endpoint: an exact address:port binding wins over an any-port one.
  std::optional<std::string> role_of(const core::Endpoint& e) const;
  /// `${ROLE.host}`, `${ROLE.port}`, `${ROLE.address}` for the roles with one address.
  Bindings bindings() const;
};

// ---------------------------------------------------------------------------------------------
// Loading

struct LoadResult {
  std::optional<Scenario> scenario;  ///< set when there were no errors (warnings allowed)
  std::vector<core::Diagnostic> diagnostics;
  bool ok() const { return scenario.has_value(); }
};

struct TestbedResult {
  std::optional<Testbed> testbed;
  std::vector<core::Diagnostic> diagnostics;
  bool ok() const { return testbed.has_value(); }
};

/// Reads and validates a ladder file. `path` appears in diagnostics as given.
LoadResult load_scenario(const std::string& path);
/// Same, from text; `name` stands for the file name in diagnostics and Scenario::source.
LoadResult load_scenario_text(std::string_view text, std::string name);

TestbedResult load_testbed(const std::string& path);
TestbedResult load_testbed_text(std::string_view text, std::string name);

/// The first line of a diagnostic message (without the source excerpt).
std::string_view summary_line(const core::Diagnostic& d);

/// Parses "500ms", "2s", "1.5s", "100us", "1m". Empty on anything else.
std::optional<Duration> parse_duration(std::string_view text);
/// "500ms", "2s", "1.5s": the shortest exact form.
std::string format_duration(Duration d);

// ---------------------------------------------------------------------------------------------
// The library (`ladder list`)

struct ScenarioInfo {
  std::filesystem::path path;
  std::string name;
  std::string summary;
  std::vector<std::string> tags;
  bool valid = false;  ///< loaded without errors
};

struct ListResult {
  std::vector<ScenarioInfo> scenarios;        ///< sorted by path
  std::vector<core::Diagnostic> diagnostics;  ///< of the files that did not load
};

/// Every *.yaml / *.yml under dir (recursive) that is a ladder (has `steps:`), loaded and
/// summarised. Testbed files (with `roles:` as a map of bindings and no `steps:`) are skipped.
ListResult list_scenarios(const std::filesystem::path& dir);

}  // namespace ladder::scenario
