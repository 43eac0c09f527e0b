#include "engine/drivers.h"

namespace ladder::engine {

std::expected<std::unique_ptr<Actor>, std::string> make_driver(const scenario::TestbedRole& role,
                                                               Loop& loop) {
  (void)loop;
  if (!role.driver) return nullptr;
  switch (role.driver->kind) {
    case scenario::DriverKind::baresip:
    case scenario::DriverKind::action_uri:
    case scenario::DriverKind::prompt:
    case scenario::DriverKind::csta:
      return nullptr;  // none written yet (issue 10)
  }
  return nullptr;
}

}  // namespace ladder::engine
