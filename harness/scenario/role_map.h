// Role maps for the checker: which capture addresses are which role (`--role A=10.0.0.5:5060`).
//
// Ownership and threading: a plain value; parse() and from_testbed() build it, the rest reads.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.h"
#include "scenario/template.h"
#include "scenario/testbed.h"

namespace ladder::scenario {

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

}  // namespace ladder::scenario
