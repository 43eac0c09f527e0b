// Integration: load mode (load.h) plays ladders of the library many times at a paced rate,
// against a private Kamailio and against itself (a direct call), on loopback with ephemeral
// ports. The wire is watched with a real live capture where the test asserts Call-IDs.
#include "engine/load.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "capture/capture.h"
#include "engine/load_engine.h"
#include "engine/testing/kamailio_process.h"
#include "engine/testing/library.h"

namespace ladder::engine {
namespace {

using namespace std::chrono_literals;
using scenario::PlayedBy;
using testing::KamailioOptions;
using testing::KamailioProcess;
using testing::harness_role;
const auto load = testing::library_ladder;

std::string errors_of(const LoadResult& r) {
  std::string out;
  for (const auto& e : r.errors) out += e + "\n";
  for (const auto& n : r.notes) out += "note: " + n + "\n";
  return out;
}

/// Call-IDs seen on loopback for the ports given when armed (a real libpcap capture on its own
/// thread, stopped and joined by the destructor). Skips quietly where capture is not permitted:
/// available() says so.
class CallIdSpy {
 public:
  ~CallIdSpy() { stop(); }
  /// From on_bound: the played roles' ports.
  void arm(const scenario::RoleMap& roles) {
    std::string filter;
    for (const auto& [role, addrs] : roles.roles) {
      for (const auto& a : addrs) {
        if (!a.port || *a.port == 0) continue;
        filter += (filter.empty() ? "" : " or ") + std::string("udp port ") +
                  std::to_string(*a.port);
      }
    }
    // INVITEs only ("INVI" at the start of the UDP payload): a tenth of the frames, so the
    // kernel's capture buffer keeps up on a busy machine.
    filter = "(" + filter + ") and udp[8:4] = 0x494e5649";
    auto cap = capture::LiveCapture::open("lo", filter);
    if (!cap) {
      why_ = cap.error();
      return;
    }
    cap_.emplace(std::move(*cap));
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  bool available() const { return cap_.has_value(); }
  const std::string& why() const { return why_; }
  /// Call-IDs of INVITEs (each transmission counted once per Call-ID).
  std::set<std::string> invites() {
    std::lock_guard lock(mutex_);
    return invites_;
  }
  /// (Call-ID, Request-URI user) of every INVITE seen, each pair once.
  std::set<std::pair<std::string, std::string>> targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }

 private:
  void loop() {
    // Bounded: stop() ends it, after what the kernel still holds (at most 1000 reads).
    int drain = 1000;
    while (drain > 0) {
      if (done_.load()) --drain;
      pollfd p{cap_->fd(), POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        if (done_.load()) break;
        continue;
      }
      auto n = cap_->dispatch([&](const capture::Frame& f) {
        std::string_view bytes(reinterpret_cast<const char*>(f.data.data()), f.data.size());
        std::size_t at = bytes.find("INVITE sip:");
        if (at == std::string_view::npos) return;
        std::size_t c = bytes.find("\r\nCall-ID: ", at);
        if (c == std::string_view::npos) return;
        c += 11;
        std::size_t e = bytes.find("\r\n", c);
        std::size_t user = at + 11, user_end = bytes.find_first_of("@ ", user);
        std::lock_guard lock(mutex_);
        invites_.insert(std::string(bytes.substr(c, e - c)));
        targets_.emplace(bytes.substr(c, e - c), bytes.substr(user, user_end - user));
      });
      if (!n) break;
      if (done_.load() && *n == 0) break;
    }
    dropped_ = cap_->stats().dropped;
  }
  std::optional<capture::LiveCapture> cap_;
  std::string why_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::mutex mutex_;
  std::set<std::string> invites_;
  std::set<std::pair<std::string, std::string>> targets_;

 public:
  std::uint64_t dropped_ = 0;  ///< frames the kernel dropped (read after stop())
};

LoadOptions quick(std::uint64_t calls, double rate) {
  LoadOptions o;
  o.calls = calls;
  o.rate = rate;
  o.engine.step_timeout = 3s;
  o.engine.linger = 100ms;
  return o;
}

class LoadKamailio : public ::testing::Test {
 protected:
  void start(KamailioOptions o = {}) {
    o.domain = "ladder.test";
    auto k = KamailioProcess::start(o);
    ASSERT_TRUE(k.has_value()) << k.error();
    kam_.emplace(std::move(*k));
  }
  scenario::Testbed testbed(std::vector<scenario::TestbedRole> played) {
    scenario::Testbed tb;
    tb.source = "test";
    tb.roles = std::move(played);
    tb.roles.push_back(testing::dut_proxy("P", kam_->endpoint(), "ladder.test"));
    return tb;
  }
  std::optional<KamailioProcess> kam_;
};

TEST_F(LoadKamailio, BasicCallAsLoadCompletesEveryCallWithItsOwnCallId) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto sc = load("basic/successful-call.yaml");
  auto tb = testbed({harness_role("A", "alice"), harness_role("B", "bob")});
  LoadOptions o = quick(600, 200);
  o.engines = 2;  // asked for: registered roles then register apart, a user per engine
  CallIdSpy spy;
  EngineUsers users;
  o.on_bound = [&](const scenario::RoleMap& roles, const EngineUsers& u) {
    users = u;
    spy.arm(roles);
  };
  int progress = 0;
  o.on_progress = [&](const LoadStats&) { ++progress; };
  auto t0 = std::chrono::steady_clock::now();
  auto r = play_load(sc, tb, o);
  spy.stop();
  ASSERT_TRUE(r.has_value()) << r.error();
  std::cout << "600 calls at 200/s: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - t0)
                   .count()
            << " ms\n";
  EXPECT_EQ(r->stats.started, 600u);
  EXPECT_EQ(r->stats.completed, 600u) << errors_of(*r) << kam_->log().substr(0, 3000);
  EXPECT_EQ(r->stats.failed, 0u) << errors_of(*r);
  EXPECT_EQ(r->stats.in_progress, 0u);
  EXPECT_TRUE(r->errors.empty()) << errors_of(*r);
  // Registered roles on two engines: the second registers as alice-2 and bob-2, and says so.
  EXPECT_EQ(r->engines, 2u);
  ASSERT_EQ(users.size(), 2u);
  EXPECT_TRUE(users[0].empty());
  EXPECT_EQ(users[1], (std::map<std::string, std::string, std::less<>>{{"A", "alice-2"},
                                                                       {"B", "bob-2"}}));
  EXPECT_EQ(r->users, users);
  ASSERT_FALSE(r->notes.empty());
  EXPECT_NE(r->notes.front().find("B bob-2"), std::string::npos) << r->notes.front();
  // Paced: 600 calls at 200/s start over about 3 s, not at once.
  double spread = static_cast<double>(r->last_start - r->first_start) / 1e9;
  EXPECT_GT(spread, 2.7);
  EXPECT_LT(spread, 3.5);
  EXPECT_GT(progress, 4);
  if (!spy.available()) GTEST_SKIP() << "no capture: " << spy.why();
  // Each call its own Call-ID: A's INVITE and the proxy's to B carry the same one, so 600.
  // Every Call-ID is one call's (never more than the calls); all seen unless the kernel
  // dropped frames of the spy's capture (said so).
  EXPECT_LE(spy.invites().size(), 600u);
  EXPECT_GE(spy.invites().size() + spy.dropped_, 600u) << spy.dropped_ << " frames dropped";
  if (spy.dropped_ > 0) std::cout << "spy: " << spy.dropped_ << " frames dropped by the kernel\n";
  // Every INVITE of a call, A's and the proxy's fork alike, is for its own engine's B: the
  // registrar routed each call to the engine that made it, and forked none to the other.
  std::set<unsigned> engines_seen;
  for (const auto& [call_id, user] : spy.targets()) {
    auto e = call_engine(call_id);
    ASSERT_TRUE(e.has_value()) << call_id;
    engines_seen.insert(*e);
    EXPECT_EQ(user, *e == 0 ? "bob" : "bob-2") << call_id;
  }
  EXPECT_EQ(engines_seen, (std::set<unsigned>{0, 1}));
}

TEST_F(LoadKamailio, ARegisteringTestbedRunsOnOneEngineUnlessAskedForMore) {
  if (std::thread::hardware_concurrency() < 2) GTEST_SKIP() << "one core: one engine anyway";
  ASSERT_NO_FATAL_FAILURE(start());
  auto sc = load("basic/successful-call.yaml");
  auto tb = testbed({harness_role("A", "alice"), harness_role("B", "bob")});
  auto r = play_load(sc, tb, quick(20, 50));  // engines: one per core, by default
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->engines, 1u);
  EXPECT_TRUE(r->users.empty());
  EXPECT_EQ(r->stats.completed, 20u) << errors_of(*r);
  ASSERT_FALSE(r->notes.empty());
  EXPECT_NE(r->notes.front().find("registrar forks"), std::string::npos) << r->notes.front();
  EXPECT_NE(r->notes.front().find("--engines"), std::string::npos) << r->notes.front();
}

TEST_F(LoadKamailio, TransferLadderAsLoad) {
  ASSERT_NO_FATAL_FAILURE(start());
  auto sc = load("transfer/unattended-transfer.yaml");
  auto tb = testbed({harness_role("A", "alice"), harness_role("B", "bob"),
                     harness_role("C", "carol")});
  auto r = play_load(sc, tb, quick(100, 50));
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->stats.started, 100u);
  EXPECT_EQ(r->stats.completed, 100u) << errors_of(*r) << kam_->log().substr(0, 3000);
  EXPECT_EQ(r->stats.failed, 0u) << errors_of(*r);
}

TEST_F(LoadKamailio, AProxyThatDropsThe180FailsEveryCallAtThe180) {
  KamailioOptions k;
  k.defines = {"DROP_180"};
  ASSERT_NO_FATAL_FAILURE(start(k));
  auto sc = load("basic/successful-call.yaml");
  auto tb = testbed({harness_role("A", "alice"), harness_role("B", "bob")});
  LoadOptions o = quick(20, 20);
  o.engine.step_timeout = 1s;
  auto r = play_load(sc, tb, o);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->stats.started, 20u);
  EXPECT_EQ(r->stats.completed, 0u);
  EXPECT_EQ(r->stats.failed, 20u);
  ASSERT_FALSE(r->errors.empty());
  // The first failed calls, by number, each naming the step: F5 is the 180 P -> A.
  EXPECT_EQ(r->errors.front().rfind("call 1: ", 0), 0u) << r->errors.front();
  EXPECT_NE(r->errors.front().find("F5"), std::string::npos) << errors_of(*r);
}

scenario::Testbed direct_testbed() {
  scenario::Testbed tb;
  tb.source = "test";
  tb.roles = {harness_role("A", "alice", "127.0.0.1", false),
              harness_role("B", "bob", "127.0.0.1", false)};
  return tb;
}

TEST(Load, TwoEnginesEachWithItsOwnPortsAndCalls) {
  auto sc = load("basic/direct-call.yaml");
  LoadOptions o = quick(400, 200);
  o.engines = 2;
  CallIdSpy spy;
  scenario::RoleMap bound;
  o.on_bound = [&](const scenario::RoleMap& roles, const EngineUsers&) {
    bound = roles;
    spy.arm(roles);
  };
  auto r = play_load(sc, direct_testbed(), o);
  spy.stop();
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->engines, 2u);
  EXPECT_EQ(r->stats.completed, 400u) << errors_of(*r);
  EXPECT_EQ(r->stats.failed, 0u) << errors_of(*r);
  ASSERT_EQ(bound.roles["A"].size(), 2u);
  ASSERT_EQ(bound.roles["B"].size(), 2u);
  EXPECT_NE(bound.roles["A"][0].port, bound.roles["A"][1].port);
  if (!spy.available()) GTEST_SKIP() << "no capture: " << spy.why();
  // Every Call-ID is one call's (never more than the calls); all seen unless the kernel
  // dropped frames of the spy's capture (said so).
  EXPECT_LE(spy.invites().size(), 400u);
  EXPECT_GE(spy.invites().size() + spy.dropped_, 400u) << spy.dropped_ << " frames dropped";
  if (spy.dropped_ > 0) std::cout << "spy: " << spy.dropped_ << " frames dropped by the kernel\n";
}

TEST(Load, ConcurrencyBoundIsKept) {
  auto sc = load("basic/direct-call.yaml");
  LoadOptions o = quick(200, 500);
  o.engines = 2;
  o.concurrency = 10;
  o.engine.ring = 50ms;
  o.engine.pause = 20ms;
  std::uint64_t most = 0;
  o.on_progress = [&](const LoadStats& s) { most = std::max(most, s.in_progress); };
  auto r = play_load(sc, direct_testbed(), o);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_EQ(r->stats.completed, 200u) << errors_of(*r);
  EXPECT_LE(most, 10u);
  // Unbounded, 200 calls at 500/s start within 0.4 s; 10 at a time, each at least 70 ms (ring
  // and pause), take at least 20 x 70 ms.
  double spread = static_cast<double>(r->last_start - r->first_start) / 1e9;
  EXPECT_GT(spread, 1.2);
}

TEST(Load, DurationBoundStopsStartingCalls) {
  auto sc = load("basic/direct-call.yaml");
  LoadOptions o = quick(0, 100);
  o.engines = 2;
  o.duration = 1000ms;
  auto r = play_load(sc, direct_testbed(), o);
  ASSERT_TRUE(r.has_value()) << r.error();
  EXPECT_GE(r->stats.started, 98u);
  EXPECT_LE(r->stats.started, 100u);
  EXPECT_EQ(r->stats.completed, r->stats.started) << errors_of(*r);
  EXPECT_LT(r->last_start - r->first_start, 1'000'000'000);
}

TEST(Load, RampStartsTheAverageRateOverTheDuration) {
  auto sc = load("basic/direct-call.yaml");
  LoadOptions o = quick(0, 50);
  o.rate_end = 150;
  o.duration = 1000ms;
  auto r = play_load(sc, direct_testbed(), o);
  ASSERT_TRUE(r.has_value()) << r.error();
  // 50 -> 150 calls/s over 1 s: 100 calls, more of them late than early.
  EXPECT_GE(r->stats.started, 98u);
  EXPECT_LE(r->stats.started, 100u);
  EXPECT_EQ(r->stats.completed, r->stats.started) << errors_of(*r);
}

TEST(Load, ATestbedThatDrivesAHandsetIsRefused) {
  auto sc = load("basic/direct-call.yaml");
  scenario::Testbed tb = direct_testbed();
  tb.roles[1].played_by = PlayedBy::dut;
  tb.roles[1].driver = scenario::Driver{};
  auto usage = load_usage_error(sc, tb, quick(10, 10));
  ASSERT_TRUE(usage.has_value());
  EXPECT_NE(usage->find("B is a handset the testbed drives"), std::string::npos) << *usage;
  auto r = play_load(sc, tb, quick(10, 10));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), *usage);
}

TEST(Load, BadOptionsAreRefused) {
  auto sc = load("basic/direct-call.yaml");
  LoadOptions o = quick(10, 0);
  EXPECT_TRUE(load_usage_error(sc, direct_testbed(), o).has_value());
  o = quick(0, 10);  // no bound at all
  EXPECT_TRUE(load_usage_error(sc, direct_testbed(), o).has_value());
  o = quick(10, 10);
  o.rate_end = 20;  // a ramp without a duration
  EXPECT_TRUE(load_usage_error(sc, direct_testbed(), o).has_value());
  EXPECT_FALSE(load_usage_error(sc, direct_testbed(), quick(10, 10)).has_value());
}

TEST(Load, CallNumbersComeOnlyFromThisRunsCallIds) {
  EXPECT_EQ(call_number("abc-17-2@ladder", "abc"), 17u);
  EXPECT_EQ(call_number("abc-17-2", "abc"), 17u);
  EXPECT_FALSE(call_number("abd-17-2@ladder", "abc").has_value());
  EXPECT_FALSE(call_number("abc-x7-2@ladder", "abc").has_value());
  EXPECT_FALSE(call_number("abc--2@ladder", "abc").has_value());
  EXPECT_FALSE(call_number("abc-17-@ladder", "abc").has_value());
  EXPECT_FALSE(call_number("a84b4c76e66710@pc33.example.com", "abc").has_value());
}

TEST(Load, TheEngineOfACallIdIsAfterItsCallNumber) {
  EXPECT_EQ(call_engine("5f3a9c0d11e2a4b7-17-1.2@ladder"), 1u);
  EXPECT_EQ(call_engine("5f3a9c0d11e2a4b7-17-0.9@ladder"), 0u);
  EXPECT_EQ(call_engine("5f3a9c0d11e2a4b7-17-2@ladder"), 0u);  // written before engines were
  EXPECT_EQ(call_number("abc-17-1.2@ladder", "abc"), 17u);
  EXPECT_EQ(call_flow("5f3a9c0d11e2a4b7-17-1.2@ladder"), "5f3a9c0d11e2a4b7-17-");
  for (const char* other : {"5f3a9c0d11e2a4b7-17-1.@ladder", "5f3a9c0d11e2a4b7-17-.2@ladder",
                            "5f3a9c0d11e2a4b7-17-x.2@ladder", "5f3a9c0d11e2a4b7-17-1.2@pc33",
                            "a84b4c76e66710@pc33.example.com"}) {
    EXPECT_FALSE(call_engine(other).has_value()) << other;
  }
}

TEST(Load, EachEngineButTheFirstRegistersUnderUsersOfItsOwn) {
  auto sc = load("basic/successful-call.yaml");
  scenario::Testbed tb = direct_testbed();
  EXPECT_TRUE(engine_users(sc, tb, 3).empty());  // nothing registers
  tb.roles[1].registers = true;  // B only
  EXPECT_TRUE(engine_users(sc, tb, 1).empty());
  EngineUsers u = engine_users(sc, tb, 3);
  ASSERT_EQ(u.size(), 3u);
  EXPECT_TRUE(u[0].empty());
  EXPECT_EQ(u[1], (std::map<std::string, std::string, std::less<>>{{"B", "bob-2"}}));
  EXPECT_EQ(u[2], (std::map<std::string, std::string, std::less<>>{{"B", "bob-3"}}));
}

TEST(Load, AFlowIsItsRunAndCallNumberAnyOtherCallIdIsItself) {
  EXPECT_EQ(call_flow("5f3a9c0d11e2a4b7-17-2@ladder"), "5f3a9c0d11e2a4b7-17-");
  EXPECT_EQ(call_flow("5f3a9c0d11e2a4b7-17-9@ladder"), call_flow("5f3a9c0d11e2a4b7-17-2@ladder"));
  EXPECT_NE(call_flow("5f3a9c0d11e2a4b7-18-2@ladder"), call_flow("5f3a9c0d11e2a4b7-17-2@ladder"));
  EXPECT_NE(call_flow("0f3a9c0d11e2a4b7-17-2@ladder"), call_flow("5f3a9c0d11e2a4b7-17-2@ladder"));
  for (const char* other : {"a84b4c76e66710@pc33.example.com", "5f3a9c0d11e2a4b7-17-2@pc33",
                            "5F3A9C0D11E2A4B7-17-2@ladder", "5f3a9c-17-2@ladder", "1-2-3"}) {
    EXPECT_EQ(call_flow(other), other);
  }
}

}  // namespace
}  // namespace ladder::engine
