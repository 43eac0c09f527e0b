// Role maps: which capture endpoints are which ladder role (`--role A=10.0.0.5:5060`).
#include "scenario/role_map.h"

#include <algorithm>
#include <charconv>

namespace ladder::scenario {

namespace {

constexpr std::string_view kShape =
    "expected ROLE=ADDRESS[:PORT] such as A=10.0.0.5:5060, A=10.0.0.5 or A=[fd00::1]:5060";

std::optional<RoleAddress> parse_address(std::string_view text) {
  if (auto e = core::Endpoint::parse(text)) return RoleAddress{e->address, e->port};
  // Without a port: a bare IPv4 address, or a bracketed IPv6 one. Core's Address::parse would
  // also take unbracketed IPv6, which is ambiguous with a port, so the caller refuses that first.
  if (auto a = core::Address::parse(text)) return RoleAddress{*a, std::nullopt};
  return std::nullopt;
}

}  // namespace

std::optional<std::pair<std::string, RoleAddress>> RoleMap::parse_binding(std::string_view text,
                                                                          std::string* error) {
  auto fail = [&](std::string message) -> std::optional<std::pair<std::string, RoleAddress>> {
    if (error) *error = std::move(message);
    return std::nullopt;
  };
  std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    return fail("bad role binding '" + std::string(text) + "': " + std::string(kShape));
  }
  std::string role(text.substr(0, eq));
  std::string_view addr = text.substr(eq + 1);
  if (addr.front() != '[' && std::count(addr.begin(), addr.end(), ':') > 1) {
    return fail("bad address '" + std::string(addr) + "' in role binding '" + std::string(text) +
                "': write IPv6 addresses in brackets, e.g. " + role + "=[" + std::string(addr) +
                "]");
  }
  auto a = parse_address(addr);
  if (!a) {
    return fail("bad address '" + std::string(addr) + "' in role binding '" + std::string(text) +
                "': " + std::string(kShape));
  }
  return std::pair{role, *a};
}

std::optional<RoleMap> RoleMap::parse(const std::vector<std::string>& texts, std::string* error) {
  RoleMap map;
  for (const std::string& text : texts) {
    auto b = parse_binding(text, error);
    if (!b) return std::nullopt;
    // One endpoint for two roles would make every message ambiguous.
    for (const auto& [role, addrs] : map.roles) {
      if (role == b->first) continue;
      for (const RoleAddress& other : addrs) {
        if (other.address == b->second.address && other.port == b->second.port) {
          if (error)
            *error = "role binding '" + text + "' gives role " + role + "'s address to " + b->first;
          return std::nullopt;
        }
      }
    }
    map.roles[b->first].push_back(b->second);
  }
  return map;
}

RoleMap RoleMap::from_testbed(const Testbed& testbed) {
  RoleMap map;
  for (const TestbedRole& r : testbed.roles) {
    RoleAddress a{r.address.address, std::nullopt};
    if (r.address.port != 0) a.port = r.address.port;
    map.roles[r.id].push_back(a);
  }
  return map;
}

std::optional<std::string> RoleMap::role_of(const core::Endpoint& e) const {
  std::optional<std::string> any_port;
  for (const auto& [role, addrs] : roles) {
    for (const RoleAddress& a : addrs) {
      if (a.address != e.address) continue;
      if (a.port == e.port) return role;
      if (!a.port && !any_port) any_port = role;
    }
  }
  return any_port;
}

Bindings RoleMap::bindings() const {
  Bindings b;
  for (const auto& [role, addrs] : roles) {
    if (addrs.size() != 1) continue;
    const RoleAddress& a = addrs.front();
    auto& attrs = b.roles[role];
    attrs["host"] = a.address.uri_host();
    if (a.port) {
      attrs["port"] = std::to_string(*a.port);
      attrs["address"] = core::Endpoint{a.address, *a.port}.to_string();
    }
  }
  return b;
}

}  // namespace ladder::scenario
