// The checker's options that follow from a testbed: one policy for `run` and `check`.
#include <algorithm>

#include "usecase/usecase.h"

namespace ladder::usecase {

checker::CheckOptions options_for(const scenario::Scenario& scenario,
                                  const scenario::Testbed& testbed) {
  checker::CheckOptions o;
  o.roles = scenario::RoleMap::from_testbed(testbed);
  o.bindings = scenario::bindings_from(testbed);
  bool registers = false;
  for (const scenario::TestbedRole& role : testbed.roles) {
    if (role.record_route) o.record_route = role.record_route;
    registers |= role.registers;
  }
  bool ladder_registers = std::any_of(scenario.steps.begin(), scenario.steps.end(),
                                      [](const scenario::Step& s) { return s.method == "REGISTER"; });
  // The testbed's own registrations (before the flow, and un-registering after it) are set-up,
  // not part of the flow under test.
  if (registers && !ladder_registers) o.tolerated_methods.push_back("REGISTER");
  return o;
}

}  // namespace ladder::usecase
