// Private: what play() and play_load() set up the same way from a ladder and a testbed: the
// Director's options, the DUT proxy requests go through, and each played role's user agent.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/agent.h"
#include "engine/director.h"
#include "engine/engine.h"
#include "engine/targets.h"
#include "scenario/scenario.h"

namespace ladder::engine {

/// Step timeouts, linger, ring and pause from the engine options and the testbed.
DirectorOptions director_options(const scenario::Testbed& testbed, const EngineOptions& options);

/// The first DUT role of the ladder that is not a user agent (requests are routed through it).
std::optional<std::string> proxy_role(const scenario::Scenario& scenario,
                                      const scenario::Testbed& testbed);

/// The user agent of played role `role`: bound to its testbed address, its AoR and registrar
/// from `pre` (targets made before binding), the proxy as outbound proxy, its password.
AgentConfig agent_config(const std::string& role, const scenario::TestbedRole& tb,
                         const Targets& pre, const scenario::TestbedRole* proxy,
                         const std::function<std::optional<std::string>(const std::string&)>& secret);

/// Whether played role `role` registers before the ladder starts: the testbed says it registers
/// and none of the role's own steps sends the REGISTER.
bool registers_first(const scenario::Scenario& scenario, const std::string& role,
                     const scenario::TestbedRole& tb);

/// A played role whose REGISTER went out before the ladder starts.
struct Registering {
  std::string role;
  const Agent* agent = nullptr;
};

/// Waits until each of `regs` has a final answer to its REGISTER, calling `turn` (one turn of the
/// engine's loop; false: stop waiting, the caller knows why) until then or until `timeout` (ns)
/// has passed. The error, if one is owed: a role with no final answer from `registrar` (its name
/// and address) within the timeout, or one refused ("B: REGISTER rejected: 403 Forbidden").
std::optional<std::string> await_registrations(const std::vector<Registering>& regs,
                                               core::TimeNs timeout, const std::string& registrar,
                                               const std::function<bool()>& turn);

}  // namespace ladder::engine
