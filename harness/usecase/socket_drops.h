// Private to usecase: datagrams the kernel dropped at this machine's UDP sockets on given ports
// (a full receive buffer: the process that owns them did not read fast enough). A load run asks
// it for its own roles' ports: drops there mean the harness could not keep up, and what its
// user agents then failed to answer says nothing about the device under test.
#pragma once

#include <cstdint>
#include <set>

namespace ladder::usecase {

/// The sum of the `drops` column of /proc/self/net/udp and udp6 over the sockets bound to one of
/// `ports` (any address). 0 when the files cannot be read. Safe from any thread.
std::uint64_t udp_drops(const std::set<std::uint16_t>& ports);

}  // namespace ladder::usecase
