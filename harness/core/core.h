// ladder::core: the project's own vocabulary types. No third-party code.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ladder::core {

enum class Transport : std::uint8_t { udp, tcp, tls, sctp };

/// "udp", "tcp", ...
std::string_view to_string(Transport t);

/// An IPv4 or IPv6 address in network byte order. Value type.
struct Address {
  std::uint8_t family = 0;  ///< 4 or 6; 0 means unset.
  std::array<std::uint8_t, 16> bytes{};  ///< IPv4 uses the first 4 bytes.

  static Address v4(const std::uint8_t* p);
  static Address v6(const std::uint8_t* p);
  /// Parses "10.0.0.1", "::1" or "[::1]". Empty on anything else.
  static std::optional<Address> parse(std::string_view text);

  std::string to_string() const;  ///< "10.0.0.1" or "fd00::1" (no brackets)
  /// As a host in a URI or Via: "10.0.0.1" or "[fd00::1]" (RFC 3261 25.1 IPv6reference).
  std::string uri_host() const;
  bool is_loopback() const;
  auto operator<=>(const Address&) const = default;
};

/// An address and a port: one side of a SIP hop.
struct Endpoint {
  Address address;
  std::uint16_t port = 0;

  /// Parses "10.0.0.1:5060", "[::1]:5060". Empty on anything else.
  static std::optional<Endpoint> parse(std::string_view text);
  std::string to_string() const;  ///< "10.0.0.1:5060" or "[::1]:5060"
  auto operator<=>(const Endpoint&) const = default;
};

/// ASCII case-insensitive equality, whatever the locale (SIP tokens are ASCII).
bool iequals(std::string_view a, std::string_view b);
/// ASCII lower case, whatever the locale.
char ascii_lower(char c);

/// Transparent string hash: unordered containers keyed by std::string can then be searched with
/// a string_view without building a string (hot paths: Call-ID lookups).
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

struct EndpointHash {
  std::size_t operator()(const Endpoint& e) const noexcept;
};

enum class Severity : std::uint8_t { error, warning, note };
std::string_view to_string(Severity s);

/// A finding about some input: a scenario file position or a capture frame.
/// `where` is already formatted ("scenarios/a.yaml:3:7", "capture.pcap: frame 12").
struct Diagnostic {
  Severity severity = Severity::error;
  std::string where;
  std::string message;

  /// "WHERE: error: MESSAGE"
  std::string format() const;
};

/// Formats a source position as "file:line:col" (1-based line and column).
std::string position(std::string_view file, int line, int col);

/// What kind of thing did not hold in a check. One table (core.cpp) gives each kind its name, as
/// written in reports and in a ladder's `policy: {waive: [...]}`, and whether a policy may waive
/// it: the loader's list of waivable kinds and the documentation's are derived from it.
enum class FailureKind : std::uint8_t {
  missing,         ///< a step with no message (waivable)
  order,           ///< a message before one it causally follows (waivable)
  header,          ///< a header expectation (waivable)
  body,            ///< a body expectation (waivable)
  forward,         ///< a proxy invariant on a `forwards:` step (waivable)
  dialog,          ///< a dialog invariant (waivable)
  rule,            ///< an RFC 3261 rule on one message (waivable)
  timing,          ///< a `within:` bound (waivable)
  retransmission,  ///< retransmission count or interval (waivable)
  extra,           ///< a message between the roles that no step describes (waivable)
  role,            ///< the role map: an address for a role could not be settled (not waivable)
  engine,          ///< the run itself: a step never sent, a stack error, Ctrl-C (not waivable)
};
/// "missing", "order", ...
std::string_view to_string(FailureKind k);
/// The kind with that name, if any.
std::optional<FailureKind> parse_failure_kind(std::string_view name);
/// Whether a ladder's policy may turn findings of this kind into warnings.
bool waivable(FailureKind k);
/// Every kind, in declaration order.
const std::vector<FailureKind>& failure_kinds();

/// Capture time in nanoseconds since the epoch.
using TimeNs = std::int64_t;

/// "12.345678" seconds, microsecond resolution, for relative times.
std::string format_seconds(TimeNs ns);

}  // namespace ladder::core
