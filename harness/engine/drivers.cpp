#include "engine/drivers.h"

#include "engine/baresip_actor.h"

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
  switch (role.driver->kind) {
    case scenario::DriverKind::baresip:
      return make_baresip(role, loop);
    case scenario::DriverKind::action_uri:
    case scenario::DriverKind::prompt:
    case scenario::DriverKind::csta:
      return nullptr;  // not written yet (issue 10)
  }
  return nullptr;
}

}  // namespace ladder::engine
