#include "core/core.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstdio>
#include <cstring>

namespace ladder::core {

std::string_view to_string(Transport t) {
  switch (t) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
    case Transport::sctp: return "sctp";
  }
  return "?";
}

Address Address::v4(const std::uint8_t* p) {
  Address a;
  a.family = 4;
  std::memcpy(a.bytes.data(), p, 4);
  return a;
}

Address Address::v6(const std::uint8_t* p) {
  Address a;
  a.family = 6;
  std::memcpy(a.bytes.data(), p, 16);
  return a;
}

std::optional<Address> Address::parse(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  std::string s(text);
  Address a;
  if (inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = 4;
    return a;
  }
  if (inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = 6;
    return a;
  }
  return std::nullopt;
}

std::string Address::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {0};
  if (family == 4) inet_ntop(AF_INET, bytes.data(), buf, sizeof buf);
  else if (family == 6) inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  else return "?";
  return buf;
}

bool Address::is_loopback() const {
  if (family == 4) return bytes[0] == 127;
  if (family == 6) {
    static const std::array<std::uint8_t, 16> one{0, 0, 0, 0, 0, 0, 0, 0,
                                                  0, 0, 0, 0, 0, 0, 0, 1};
    return bytes == one;
  }
  return false;
}

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view host = text.substr(0, colon);
  std::string_view port = text.substr(colon + 1);
  // A bare IPv6 address without brackets is ambiguous: require brackets.
  if (host.find(':') != std::string_view::npos && host.front() != '[') return std::nullopt;
  auto addr = Address::parse(host);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (!addr || ec != std::errc() || ptr != port.data() + port.size() || value > 65535) {
    return std::nullopt;
  }
  return Endpoint{*addr, static_cast<std::uint16_t>(value)};
}

std::string Endpoint::to_string() const {
  return address.uri_host() + ":" + std::to_string(port);
}

// Two 64-bit words of address, family and port, mixed by multiplication: a few instructions
// rather than a multiply per byte (bulk checks hash two endpoints per message, several times).
// IPv4 leaves bytes 4-15 zero, so hashing all 16 is the same as hashing 4.
std::size_t EndpointHash::operator()(const Endpoint& e) const noexcept {
  std::uint64_t lo = 0, hi = 0;
  std::memcpy(&lo, e.address.bytes.data(), 8);
  std::memcpy(&hi, e.address.bytes.data() + 8, 8);
  std::uint64_t h = (lo ^ (static_cast<std::uint64_t>(e.port) << 48) ^ e.address.family) *
                    0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 29) ^ hi) * 0xbf58476d1ce4e5b9ull;
  return static_cast<std::size_t>(h ^ (h >> 32));
}

std::string_view to_string(Severity s) {
  switch (s) {
    case Severity::error: return "error";
    case Severity::warning: return "warning";
    case Severity::note: return "note";
  }
  return "?";
}

std::string Diagnostic::format() const {
  std::string out = where;
  if (!out.empty()) out += ": ";
  out += to_string(severity);
  out += ": ";
  out += message;
  return out;
}

std::string position(std::string_view file, int line, int col) {
  return std::string(file) + ":" + std::to_string(line) + ":" + std::to_string(col);
}

std::string format_seconds(TimeNs ns) {
  char buf[32];
  bool negative = ns < 0;
  if (negative) ns = -ns;
  std::snprintf(buf, sizeof buf, "%s%lld.%06lld", negative ? "-" : "",
                static_cast<long long>(ns / 1000000000), static_cast<long long>((ns / 1000) % 1000000));
  return buf;
}

std::string Address::uri_host() const {
  return family == 6 ? "[" + to_string() + "]" : to_string();
}

namespace {
// A table rather than tolower(), which reads the locale; a table rather than a branch, because
// header-name lookups compare a few names per header line of every message.
constexpr std::array<char, 256> kLower = [] {
  std::array<char, 256> t{};
  for (int i = 0; i < 256; ++i) {
    t[static_cast<std::size_t>(i)] = static_cast<char>((i >= 'A' && i <= 'Z') ? i - 'A' + 'a' : i);
  }
  return t;
}();
}  // namespace

char ascii_lower(char c) { return kLower[static_cast<unsigned char>(c)]; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (kLower[static_cast<unsigned char>(a[i])] != kLower[static_cast<unsigned char>(b[i])]) {
      return false;
    }
  }
  return true;
}

namespace {
struct KindInfo {
  FailureKind kind;
  std::string_view name;
  bool waivable;
};
constexpr KindInfo kKinds[] = {
    {FailureKind::missing, "missing", true},
    {FailureKind::order, "order", true},
    {FailureKind::header, "header", true},
    {FailureKind::body, "body", true},
    {FailureKind::forward, "forward", true},
    {FailureKind::dialog, "dialog", true},
    {FailureKind::rule, "rule", true},
    {FailureKind::timing, "timing", true},
    {FailureKind::retransmission, "retransmission", true},
    {FailureKind::extra, "extra", true},
    {FailureKind::role, "role", false},
    {FailureKind::engine, "engine", false},
};
const KindInfo& info(FailureKind k) { return kKinds[static_cast<std::size_t>(k)]; }
}  // namespace

std::string_view to_string(FailureKind k) { return info(k).name; }

bool waivable(FailureKind k) { return info(k).waivable; }

std::optional<FailureKind> parse_failure_kind(std::string_view name) {
  for (const KindInfo& i : kKinds) {
    if (i.name == name) return i.kind;
  }
  return std::nullopt;
}

const std::vector<FailureKind>& failure_kinds() {
  static const std::vector<FailureKind> all = [] {
    std::vector<FailureKind> v;
    for (const KindInfo& i : kKinds) v.push_back(i.kind);
    return v;
  }();
  return all;
}

}  // namespace ladder::core
