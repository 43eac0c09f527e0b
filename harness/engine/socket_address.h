// Private: core::Endpoint <-> sockaddr, for the drivers' own sockets (baresip's ctrl_tcp
// connection, the Action URL listener).
//
// Threading: pure functions.
#pragma once

#include <sys/socket.h>

#include "core/core.h"

namespace ladder::engine {

/// Fills `out` with `e`; returns its length.
socklen_t to_sockaddr(const core::Endpoint& e, sockaddr_storage& out);
/// The endpoint in `in` (AF_INET or AF_INET6); an empty Endpoint for anything else.
core::Endpoint from_sockaddr(const sockaddr_storage& in);

}  // namespace ladder::engine
