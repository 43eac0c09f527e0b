// The engine's loop as drivers will use it: descriptors and timers served by the su_root, each
// wait bounded by a predicate and a deadline.
#include "engine/su_loop.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace ladder::engine {
namespace {

using namespace std::chrono_literals;

/// Steps `loop` until `done` or 2 s passed; returns done().
bool step_until(SuLoop& loop, const std::function<bool()>& done) {
  core::TimeNs deadline = loop.now() + 2'000'000'000;
  while (!done() && loop.now() < deadline) loop.step(10);
  return done();
}

class Pipe {
 public:
  Pipe() { EXPECT_EQ(::pipe(fds_), 0); }
  ~Pipe() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  int read_end() const { return fds_[0]; }
  void put() { EXPECT_EQ(::write(fds_[1], "x", 1), 1); }
  void take() {
    char c;
    EXPECT_EQ(::read(fds_[0], &c, 1), 1);
  }

 private:
  int fds_[2] = {-1, -1};
};

TEST(SuLoop, ServesAReadableDescriptorUntilTheRegistrationGoes) {
  auto loop = SuLoop::create();
  ASSERT_TRUE(loop.has_value()) << loop.error();
  Pipe p;
  int calls = 0;
  auto w = (*loop)->watch(p.read_end(), Readiness::readable, [&] {
    p.take();
    ++calls;
  });
  ASSERT_TRUE(w.has_value()) << w.error();
  p.put();
  EXPECT_TRUE(step_until(**loop, [&] { return calls == 1; }));
  w->reset();
  p.put();
  (*loop)->step(20);
  EXPECT_EQ(calls, 1);
}

TEST(SuLoop, ATimerFiresOnceNotBeforeItsDelay) {
  auto loop = SuLoop::create();
  ASSERT_TRUE(loop.has_value()) << loop.error();
  core::TimeNs t0 = (*loop)->now();
  core::TimeNs fired_at = 0;
  int calls = 0;
  auto t = (*loop)->after(30ms, [&] {
    fired_at = (*loop)->now();
    ++calls;
  });
  ASSERT_TRUE(t.has_value()) << t.error();
  EXPECT_TRUE(step_until(**loop, [&] { return calls == 1; }));
  EXPECT_GE(fired_at - t0, 29'000'000);  // su_root's clock has millisecond steps
  (*loop)->step(50);
  EXPECT_EQ(calls, 1);
}

TEST(SuLoop, ACallbackMayCancelItsOwnRegistration) {
  auto loop = SuLoop::create();
  ASSERT_TRUE(loop.has_value()) << loop.error();
  Pipe p;
  Registration w;
  int calls = 0;
  auto made = (*loop)->watch(p.read_end(), Readiness::readable, [&] {
    ++calls;
    w.reset();  // e.g. a driver closing its connection from its read callback
  });
  ASSERT_TRUE(made.has_value());
  w = std::move(*made);
  p.put();
  EXPECT_TRUE(step_until(**loop, [&] { return calls == 1; }));
  EXPECT_FALSE(static_cast<bool>(w));
  (*loop)->step(20);
  EXPECT_EQ(calls, 1);
}

TEST(SuLoop, ACancelledTimerNeverFires) {
  auto loop = SuLoop::create();
  ASSERT_TRUE(loop.has_value()) << loop.error();
  int calls = 0;
  auto t = (*loop)->after(10ms, [&] { ++calls; });
  ASSERT_TRUE(t.has_value());
  t->reset();
  bool later = false;
  auto marker = (*loop)->after(40ms, [&] { later = true; });
  ASSERT_TRUE(marker.has_value());
  EXPECT_TRUE(step_until(**loop, [&] { return later; }));
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace ladder::engine
