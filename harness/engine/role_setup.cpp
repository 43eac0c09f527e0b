#include "engine/role_setup.h"

#include <algorithm>

#include "engine/wire_log.h"
#include "scenario/duration.h"

namespace ladder::engine {

namespace {
constexpr core::TimeNs kMs = 1'000'000;
}

DirectorOptions director_options(const scenario::Testbed& tb, const EngineOptions& o) {
  DirectorOptions d;
  d.step_timeout = static_cast<core::TimeNs>(o.step_timeout.count()) * kMs;
  if (tb.timeouts.step) d.testbed_step_timeout = tb.timeouts.step->count() * 1000;
  if (tb.timeouts.scenario) d.run_timeout = tb.timeouts.scenario->count() * 1000;
  d.linger = static_cast<core::TimeNs>(o.linger.count()) * kMs;
  d.ring = static_cast<core::TimeNs>(o.ring.value_or(kDefaultRing).count()) * kMs;
  d.pause = static_cast<core::TimeNs>(o.pause.count()) * kMs;
  for (const auto& r : tb.roles) {
    if (r.ring && !o.ring) d.ring_by_role[r.id] = r.ring->count() * 1000;
  }
  return d;
}

std::optional<std::string> proxy_role(const scenario::Scenario& sc, const scenario::Testbed& tb) {
  for (const auto& r : sc.roles) {
    const scenario::TestbedRole* t = tb.find_role(r.id);
    if (t != nullptr && t->played_by == scenario::PlayedBy::dut &&
        r.kind != scenario::RoleKind::ua) {
      return r.id;
    }
  }
  return std::nullopt;
}

AgentConfig agent_config(
    const std::string& role, const scenario::TestbedRole& tb, const Targets& pre,
    const scenario::TestbedRole* proxy,
    const std::function<std::optional<std::string>(const std::string&)>& secret) {
  AgentConfig c;
  c.role = role;
  c.user = tb.user;
  c.bind = tb.address;
  c.transport = tb.transport;
  if (proxy != nullptr) {
    c.proxy = "sip:" + proxy->address.to_string();
    if (tb.transport == core::Transport::tcp) *c.proxy += ";transport=tcp";
  }
  c.aor = pre.aor(role);
  c.registrar = pre.registrar();
  if (tb.password_env) {
    c.password_env = *tb.password_env;
    c.password = secret(*tb.password_env);
  }
  return c;
}

bool registers_first(const scenario::Scenario& sc, const std::string& role,
                     const scenario::TestbedRole& tb) {
  if (!tb.registers) return false;
  return std::none_of(sc.steps.begin(), sc.steps.end(), [&](const auto& s) {
    return s.from == role && s.is_request() && s.method == "REGISTER";
  });
}

std::optional<std::string> await_registrations(const std::vector<Registering>& regs,
                                               core::TimeNs timeout, const std::string& registrar,
                                               const std::function<bool()>& turn) {
  auto answered = [](const Registering& r) {
    const HandleInfo* h = r.agent->registration();
    return h != nullptr && h->register_status >= 200;
  };
  core::TimeNs deadline = now_ns() + timeout;
  while (!std::all_of(regs.begin(), regs.end(), answered) && now_ns() < deadline) {
    if (!turn()) return std::nullopt;
  }
  for (const Registering& r : regs) {
    const HandleInfo* h = r.agent->registration();
    if (h == nullptr || h->register_status == 0) {
      return r.role + ": no final answer to REGISTER from " + registrar + " within " +
             scenario::format_duration(scenario::Duration(timeout / 1000));
    }
    if (h->register_status >= 300) {
      return r.role + ": REGISTER rejected: " + std::to_string(h->register_status) + " " +
             h->register_phrase;
    }
  }
  return std::nullopt;
}

}  // namespace ladder::engine
