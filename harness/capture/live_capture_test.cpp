// LiveCapture on lo: a UDP datagram to a free loopback port is captured, written and read back;
// without CAP_NET_RAW the refusal says how to grant it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "capture/capture.h"
#include "testing/udp_socket.h"
#include "testing/run_command.h"
#include "testing/unprivileged.h"

namespace ladder::capture {
namespace {

using Udp = ladder::testing::UdpSocket;

class LiveCaptureTest : public testing::TempDirTest {};

TEST_F(LiveCaptureTest, CapturesADatagramOnLoopback) {
  Udp target, sender;
  auto cap = LiveCapture::open("lo", "udp port " + std::to_string(target.port));
  if (!cap && cap.error().find("not permitted") != std::string::npos) {
    GTEST_SKIP() << cap.error();
  }
  ASSERT_TRUE(cap.has_value()) << cap.error();
  auto link = to_link_type(cap->link_type());
  ASSERT_TRUE(link.has_value());
  std::string path = (dir_ / "live.pcap").string();
  auto writer = PcapWriter::create(path, *link);
  ASSERT_TRUE(writer.has_value()) << writer.error();

  const std::string text = "ladder live capture probe";
  sender.send_to(target.port, text);
  std::size_t frames = 0;
  bool found = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!found && std::chrono::steady_clock::now() < deadline) {
    pollfd p{cap->fd(), POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    auto n = cap->dispatch([&](const Frame& f) {
      writer->write(f.time, f.data, f.wire_length);
      std::string bytes(f.data.begin(), f.data.end());
      if (bytes.find(text) != std::string::npos) found = true;
    });
    ASSERT_TRUE(n.has_value()) << n.error();
    frames += *n;
  }
  EXPECT_TRUE(found);
  EXPECT_GE(frames, 1u);
  EXPECT_EQ(cap->stats().received, frames);
  // Nothing else waits: a non-blocking dispatch returns at once with 0.
  auto none = cap->dispatch([](const Frame&) {});
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(*none, 0u);
  ASSERT_TRUE(writer->close().has_value());

  auto file = PcapFile::open(path);
  ASSERT_TRUE(file.has_value()) << file.error();
  Frame f;
  std::string error;
  std::size_t read_back = 0;
  while (file->next(f, error) == PcapFile::Next::frame) ++read_back;
  EXPECT_EQ(read_back, frames);
}

TEST_F(LiveCaptureTest, ReceivedOnlyKeepsLoopbacksSentCopyOutOfTheRingFromTheFirstFrame) {
  // A block-mode capture like a load's; the datagram goes out at once after opening, so a
  // filter that lost the ring's first frames would show here.
  for (bool received_only : {false, true}) {
    Udp target, sender;
    LiveCapture::Options o;
    o.snaplen = 65535;
    o.immediate = false;
    o.buffer_bytes = 4 << 20;
    o.received_only = received_only;
    auto cap = LiveCapture::open("lo", "udp port " + std::to_string(target.port), o);
    if (!cap && cap.error().find("not permitted") != std::string::npos) GTEST_SKIP() << cap.error();
    ASSERT_TRUE(cap.has_value()) << cap.error();
    // Counted from here: other tests' traffic on lo may have reached the ring before its filter.
    const std::uint64_t passed_before = cap->stats().kernel_passed;
    sender.send_to(target.port, "ladder received-only probe");
    std::size_t frames = 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (frames == 0 && std::chrono::steady_clock::now() < deadline) {
      pollfd p{cap->fd(), POLLIN, 0};
      ::poll(&p, 1, 20);  // block mode: readable once the block times out (10 ms)
      auto n = cap->dispatch([&](const Frame&) { ++frames; });
      ASSERT_TRUE(n.has_value()) << n.error();
    }
    EXPECT_EQ(frames, 1u) << "received_only " << received_only;
    // The kernel let the sent copy into the ring too, unless told not to.
    EXPECT_EQ(cap->stats().kernel_passed - passed_before, received_only ? 1u : 2u)
        << "received_only " << received_only;
  }
}

TEST_F(LiveCaptureTest, ReceivedOnlyLetsNoOtherTrafficInWhileTheFilterIsAttached) {
  // Found by a test that captured another test's SIP: the socket filter of a received-only
  // capture is attached after the ring is up, and what the ring took in before passed unfiltered.
  // Other traffic on lo all the while (bounded: 5 s, stopped once the probe is seen).
  Udp target, other, sender, blaster;
  std::atomic<bool> stop{false};
  std::thread noise([&] {
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!stop && std::chrono::steady_clock::now() < until) blaster.send_to(other.port, "noise");
  });
  std::size_t foreign = 0, probes = 0;
  for (int round = 0; round < 20 && foreign == 0; ++round) {
    LiveCapture::Options o;
    o.snaplen = 65535;
    o.immediate = false;
    o.buffer_bytes = 4 << 20;
    o.received_only = true;
    auto cap = LiveCapture::open("lo", "udp port " + std::to_string(target.port), o);
    if (!cap && cap.error().find("not permitted") != std::string::npos) {
      stop = true;
      noise.join();
      GTEST_SKIP() << cap.error();
    }
    ASSERT_TRUE(cap.has_value()) << cap.error();
    sender.send_to(target.port, "ladder probe");
    bool seen = false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!seen && std::chrono::steady_clock::now() < deadline) {
      pollfd p{cap->fd(), POLLIN, 0};
      ::poll(&p, 1, 20);
      auto n = cap->dispatch([&](const Frame& f) {
        std::string bytes(f.data.begin(), f.data.end());
        if (bytes.find("ladder probe") != std::string::npos) {
          seen = true;
          ++probes;
        } else {
          ++foreign;
        }
      });
      ASSERT_TRUE(n.has_value()) << n.error();
    }
  }
  stop = true;
  noise.join();
  EXPECT_EQ(foreign, 0u) << "frames of other traffic in a capture of one port";
  EXPECT_EQ(probes, 20u);
}

// Children of this thread, from /proc (CONFIG_PROC_CHILDREN).
std::vector<pid_t> children() {
  std::ifstream in("/proc/self/task/" + std::to_string(::gettid()) + "/children");
  std::vector<pid_t> out;
  for (pid_t p; in >> p;) out.push_back(p);
  return out;
}

// 'Z' once it has exited and waits to be reaped; '?' when it is gone.
char state_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return '?';
  std::size_t paren = line.rfind(')');
  return paren + 2 < line.size() ? line[paren + 2] : '?';
}

TEST_F(LiveCaptureTest, ClosingLeavesTheKernelTeardownToAChildThatExitsByItself) {
  std::vector<pid_t> before = children();
  {
    auto cap = LiveCapture::open("lo", "udp port 9");
    if (!cap && cap.error().find("not permitted") != std::string::npos) GTEST_SKIP() << cap.error();
    ASSERT_TRUE(cap.has_value()) << cap.error();
  }
  std::vector<pid_t> after = children();
  std::vector<pid_t> added;
  for (pid_t p : after) {
    if (std::find(before.begin(), before.end(), p) == before.end()) added.push_back(p);
  }
  ASSERT_EQ(added.size(), 1u) << "one child holds the socket while the kernel releases it";
  pid_t child = added.front();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (state_of(child) != 'Z' && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(state_of(child), 'Z') << "the child exits by itself once the socket is released";
  // The next capture reaps it: no zombies pile up in a process that captures many times.
  auto next = LiveCapture::open("lo", "udp port 9");
  ASSERT_TRUE(next.has_value()) << next.error();
  after = children();
  EXPECT_EQ(std::find(after.begin(), after.end(), child), after.end());
}

TEST_F(LiveCaptureTest, UnknownInterfaceIsNamed) {
  auto cap = LiveCapture::open("ladder-no-such0", "");
  ASSERT_FALSE(cap.has_value());
  if (cap.error().find("not permitted") != std::string::npos) GTEST_SKIP() << cap.error();
  EXPECT_EQ(cap.error(), "capture on ladder-no-such0: no such interface");
}

TEST_F(LiveCaptureTest, WithoutCapNetRawTheRefusalSaysHowToGrantIt) {
  // As root, check the refusal in a child that gives up root.
  std::string got = testing::as_unprivileged([] {
    auto cap = LiveCapture::open("lo", "");
    return cap ? std::string("opened") : cap.error();
  });
  if (got == "opened") GTEST_SKIP() << "this user may capture; nothing to refuse";
  EXPECT_EQ(got, "capture on lo not permitted: run as root or `setcap cap_net_raw+ep ladder`");
}

}  // namespace
}  // namespace ladder::capture
