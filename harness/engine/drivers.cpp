#include "engine/drivers.h"

#include "engine/prompt_actor.h"

namespace ladder::engine {

std::expected<std::unique_ptr<Actor>, std::string> make_driver(const scenario::TestbedRole& role,
                                                               Loop& loop) {
  if (!role.driver) return nullptr;
  std::unique_ptr<Actor> actor;
  switch (role.driver->kind) {
    case scenario::DriverKind::prompt: {
      auto p = PromptActor::create(role.id, role.address, loop);
      if (!p) return std::unexpected(p.error());
      return std::unique_ptr<Actor>(std::move(*p));
    }
    case scenario::DriverKind::csta:
      return std::unexpected(role.id +
                             ": driver 'csta' (uaCSTA over SIP) is not supported yet; use "
                             "baresip, action-uri or prompt");
    case scenario::DriverKind::baresip:
    case scenario::DriverKind::action_uri:
      break;  // none written yet (issue 10)
  }
  // `fallback: prompt`: what the driver cannot do, the operator is asked to do.
  auto fb = role.driver->options.find("fallback");
  if (actor && fb != role.driver->options.end() && fb->second == "prompt") {
    auto p = PromptActor::create(role.id, role.address, loop);
    if (!p) return std::unexpected(p.error());
    actor = std::make_unique<FallbackActor>(std::move(actor), std::move(*p));
  }
  return actor;
}

}  // namespace ladder::engine
