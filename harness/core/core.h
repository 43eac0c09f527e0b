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

/// Capture time in nanoseconds since the epoch.
using TimeNs = std::int64_t;

/// "12.345678" seconds, microsecond resolution, for relative times.
std::string format_seconds(TimeNs ns);

}  // namespace ladder::core
