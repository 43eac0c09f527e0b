// Private: the one place where handset drivers are registered. A testbed role that is a DUT
// with a `driver:` gets the Actor its kind names; the engine then performs that role's steps
// through it, on the engine's one loop, like any played role's.
//
// Adding a driver: write it as an Actor (actor.h) in its own files here (e.g.
// baresip_actor.h/.cpp), using Loop (loop.h) for its sockets and timers, add them to
// CMakeLists.txt, and add its kind to the switch in drivers.cpp. Nothing else in the engine
// changes.
//
// Threading: the engine's thread.
#pragma once

#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/actor.h"
#include "engine/loop.h"
#include "scenario/scenario.h"

namespace ladder::engine {

/// Looks a secret up by the name of its environment variable (`password_env: PHONE_PASS`).
using SecretLookup = std::function<std::optional<std::string>(const std::string& env_name)>;

/// The driver for `role` (a DUT with a driver), made on `loop`. nullptr: no driver of that kind
/// exists yet; the role is then a device that is only watched, as it was before drivers. The
/// error is one sentence naming the role ("A (baresip): cannot connect to 127.0.0.1:4444 ...").
/// `secrets` (default: ::getenv) gives the drivers' credentials.
std::expected<std::unique_ptr<Actor>, std::string> make_driver(const scenario::TestbedRole& role,
                                                               Loop& loop,
                                                               const SecretLookup& secrets = {});

}  // namespace ladder::engine
