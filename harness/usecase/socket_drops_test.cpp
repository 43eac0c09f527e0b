// udp_drops: a socket whose receive buffer overflows shows its drops; another port shows none.
#include "usecase/socket_drops.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>

#include "testing/udp_socket.h"

namespace ladder::usecase {
namespace {

TEST(UdpDrops, ASocketThatIsNotReadCountsWhatTheKernelDroppedAtIt) {
  testing::UdpSocket slow, other, sender;
  int small = 2048;  // the kernel doubles it and keeps a floor: a few datagrams fit
  ASSERT_EQ(::setsockopt(slow.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);
  EXPECT_EQ(udp_drops({slow.port}), 0u);
  const std::string datagram(1000, 'x');
  for (int i = 0; i < 200; ++i) sender.send_to(slow.port, datagram);  // never read
  std::uint64_t dropped = udp_drops({slow.port});
  EXPECT_GT(dropped, 100u);
  EXPECT_LE(dropped, 200u);
  EXPECT_EQ(udp_drops({other.port}), 0u);
  EXPECT_EQ(udp_drops({slow.port, other.port}), dropped);
  EXPECT_EQ(udp_drops({}), 0u);
}

}  // namespace
}  // namespace ladder::usecase
