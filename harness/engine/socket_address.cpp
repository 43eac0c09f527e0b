#include "engine/socket_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

namespace ladder::engine {

socklen_t to_sockaddr(const core::Endpoint& e, sockaddr_storage& out) {
  out = {};
  if (e.address.family == 4) {
    auto* s = reinterpret_cast<sockaddr_in*>(&out);
    s->sin_family = AF_INET;
    s->sin_port = htons(e.port);
    std::memcpy(&s->sin_addr, e.address.bytes.data(), 4);
    return sizeof *s;
  }
  auto* s = reinterpret_cast<sockaddr_in6*>(&out);
  s->sin6_family = AF_INET6;
  s->sin6_port = htons(e.port);
  std::memcpy(&s->sin6_addr, e.address.bytes.data(), 16);
  return sizeof *s;
}

core::Endpoint from_sockaddr(const sockaddr_storage& in) {
  core::Endpoint e;
  if (in.ss_family == AF_INET) {
    const auto* s = reinterpret_cast<const sockaddr_in*>(&in);
    e.address = core::Address::v4(reinterpret_cast<const std::uint8_t*>(&s->sin_addr));
    e.port = ntohs(s->sin_port);
  } else if (in.ss_family == AF_INET6) {
    const auto* s = reinterpret_cast<const sockaddr_in6*>(&in);
    e.address = core::Address::v6(reinterpret_cast<const std::uint8_t*>(&s->sin6_addr));
    e.port = ntohs(s->sin6_port);
  }
  return e;
}

}  // namespace ladder::engine
