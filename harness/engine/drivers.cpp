#include "engine/drivers.h"

#include "engine/baresip_actor.h"
#include "engine/prompt_actor.h"

namespace ladder::engine {
namespace {

std::string where(const scenario::TestbedRole& role) {
  const scenario::SourcePos& p = role.driver->pos;
  return " (testbed line " + std::to_string(p.line) + ", column " + std::to_string(p.col) + ")";
}

std::expected<std::unique_ptr<Actor>, std::string> make_baresip(const scenario::TestbedRole& role,
                                                                Loop& loop) {
  auto it = role.driver->options.find("control");
  if (it == role.driver->options.end()) {
    return std::unexpected(role.id +
                           " (baresip): the driver needs `control: HOST:PORT`, the "
                           "address of baresip's ctrl_tcp" +
                           where(role));
  }
  auto control = core::Endpoint::parse(it->second);
  if (!control || control->port == 0) {
    return std::unexpected(role.id + " (baresip): `control: " + it->second + "` is not HOST:PORT" +
                           where(role));
  }
  BaresipOptions o;
  o.role = role.id;
  o.control = *control;
  o.phone = role.address;
  auto a = BaresipActor::create(std::move(o), loop);
  if (!a) return std::unexpected(a.error());
  return std::unique_ptr<Actor>(std::move(*a));
}

}  // namespace

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
    case scenario::DriverKind::baresip: {
      auto b = make_baresip(role, loop);
      if (!b) return std::unexpected(b.error());
      actor = std::move(*b);
      break;
    }
    case scenario::DriverKind::action_uri:
      break;  // not written yet (issue 10)
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
