// Test-only: ladders of the library and the testbed roles the engine tests play them with.
// Needs LADDER_SOURCE_DIR (every ladder_test target defines it).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/core.h"
#include "scenario/scenario.h"

namespace ladder::testing {

/// The library's ladder at scenarios/`rel`; a test failure naming its diagnostics (and an empty
/// ladder) when it does not load.
inline scenario::Scenario library_ladder(const std::string& rel) {
  auto r = scenario::load_scenario(std::string(LADDER_SOURCE_DIR) + "/scenarios/" + rel);
  if (!r.ok()) {
    ADD_FAILURE() << rel << " does not load";
    for (const auto& d : r.diagnostics) ADD_FAILURE() << d.format();
    return {};
  }
  return *r.scenario;
}

/// A role the harness plays: bound to `addr` on an ephemeral port, as `user`.
inline scenario::TestbedRole harness_role(const std::string& id, const std::string& user,
                                          const std::string& addr = "127.0.0.1",
                                          bool registers = true,
                                          core::Transport t = core::Transport::udp) {
  scenario::TestbedRole r;
  r.id = id;
  r.played_by = scenario::PlayedBy::harness;
  r.address = core::Endpoint{*core::Address::parse(addr), 0};
  r.user = user;
  r.transport = t;
  r.registers = registers;
  return r;
}

/// The proxy under test at `at`, serving `domain`, record-routing.
inline scenario::TestbedRole dut_proxy(const std::string& id, core::Endpoint at,
                                       const std::string& domain) {
  scenario::TestbedRole r;
  r.id = id;
  r.played_by = scenario::PlayedBy::dut;
  r.address = at;
  r.domain = domain;
  r.kind = scenario::RoleKind::proxy;
  r.record_route = true;
  return r;
}

}  // namespace ladder::testing
