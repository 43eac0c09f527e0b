// `ladder run --calls/--duration`: the testbed's parts started, the capture opened, the load
// played by engine::play_load() while a thread of this use case writes the capture, then the
// saved capture checked call by call (check --each) and the run directory written.
#include "usecase/load_run.h"

#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include <poll.h>

#include "engine/load.h"
#include "parts/parts.h"
#include "usecase/run_capture.h"

namespace ladder::usecase {
namespace {

namespace fs = std::filesystem;

std::string stamp() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::localtime(&t));
  return buf;
}

/// Writes the capture on a thread of its own while the engines run: they have their own loops,
/// and the calling thread only reports. Started at once (frames of other loopback traffic
/// must not fill the kernel's buffer before the filter is narrowed), stopped after the load;
/// RunCapture is used under a mutex (narrow() comes from the engines' on_bound).
class CaptureThread {
 public:
  explicit CaptureThread(RunCapture& c) : capture_(c) {}
  ~CaptureThread() { stop(); }
  CaptureThread(const CaptureThread&) = delete;
  CaptureThread& operator=(const CaptureThread&) = delete;
  void start() {
    thread_ = std::thread([this] {
      while (!done_.load()) {  // bounded by stop()
        pollfd p{capture_.fd(), POLLIN, 0};
        ::poll(&p, 1, 20);  // waits without the lock
        std::lock_guard lock(mutex_);
        capture_.drain();  // non-blocking: nothing waiting takes nothing
        RunCapture::Stats s = capture_.stats();
        frames_.store(s.frames);
        dropped_.store(s.dropped);
      }
    });
  }
  void stop() {
    done_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  void narrow(const scenario::RoleMap& roles) {
    std::lock_guard lock(mutex_);
    capture_.narrow(roles);
  }
  std::uint64_t frames() const { return frames_.load(); }
  std::uint64_t dropped() const { return dropped_.load(); }

 private:
  RunCapture& capture_;
  std::mutex mutex_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  std::atomic<std::uint64_t> frames_{0}, dropped_{0};
};

}  // namespace

LoadRunResult run_load(const LoadRequest& rq, const Hooks& hooks,
                       const std::function<void(const LoadProgress&)>& on_progress) {
  auto began = std::chrono::steady_clock::now();
  LoadRunResult out;
  auto diag = [&](const core::Diagnostic& d) {
    if (hooks.diagnostic) hooks.diagnostic(d);
  };
  scenario::TestbedResult tb = scenario::load_testbed(rq.testbed);
  for (const core::Diagnostic& d : tb.diagnostics) diag(d);
  if (!tb.ok()) return out;
  scenario::LoadResult loaded = scenario::load_scenario(rq.scenario);
  for (const core::Diagnostic& d : loaded.diagnostics) diag(d);
  if (!loaded.ok()) return out;
  out.scenario = std::move(*loaded.scenario);
  const scenario::Scenario& sc = *out.scenario;
  scenario::Testbed testbed = std::move(*tb.testbed);
  bool bad = false;
  for (const core::Diagnostic& d : scenario::check_binding(sc, testbed)) {
    diag(d);
    bad |= d.severity == core::Severity::error;
  }
  if (bad) return out;

  engine::LoadOptions lo;
  lo.calls = rq.calls;
  lo.rate = rq.rate;
  lo.rate_end = rq.rate_end;
  lo.duration = rq.duration;
  lo.concurrency = rq.concurrency;
  lo.engines = rq.engines;
  lo.engine.step_timeout = std::chrono::milliseconds(static_cast<long>(rq.step_timeout * 1000));
  lo.engine.linger = std::chrono::milliseconds(100);
  if (rq.ring) lo.engine.ring = std::chrono::duration_cast<std::chrono::milliseconds>(*rq.ring);
  if (auto e = engine::load_usage_error(sc, testbed, lo)) {
    out.error = testbed.source + ": " + *e;
    return out;  // bad input
  }

  fs::path dir = rq.out.empty() ? fs::path("reports/" + stamp() + "-" +
                                           fs::path(rq.scenario).stem().string() + "-load")
                                : fs::path(rq.out);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    out.outcome = Outcome::environment;
    out.error = "cannot create " + dir.string() + ": " + ec.message();
    return out;
  }
  out.dir = dir.string();
  lo.engine.sofia_log = (dir / "sofia.log").string();
  parts::Bench bench;
  if (parts::starts_anything(testbed)) {
    parts::StartOptions po;
    po.dir = dir.string();
    po.stop_requested = hooks.stop_requested;
    auto started = parts::Bench::start(testbed, po);
    if (!started) {
      out.outcome = hooks.stop_requested && hooks.stop_requested() ? Outcome::failed
                                                                    : Outcome::environment;
      out.error = testbed.source + ": " + started.error();
      return out;
    }
    bench = std::move(*started);
    testbed = bench.apply(std::move(testbed));
  }

  fs::path pcap = dir / "capture.pcap";
  // The kernel's ring holds one slot per frame, sized by the snaplen, in 2 MiB: 4096 gives 256
  // frames where 65535 gives 16, which a load overruns within milliseconds. A SIP message
  // above about 4 KB is cut (the check then says so); a bigger ring is the real fix.
  constexpr int kLoadSnaplen = 4096;
  auto opened = RunCapture::open(testbed, rq.interface, pcap.string(), kLoadSnaplen);
  if (!opened) {
    out.outcome = Outcome::environment;
    out.error = opened.error();
    return out;
  }
  std::unique_ptr<RunCapture> capture = std::move(*opened);
  CaptureThread writer(*capture);
  writer.start();
  lo.on_bound = [&](const scenario::RoleMap& roles) { writer.narrow(roles); };
  lo.on_progress = [&](const engine::LoadStats& s) {
    if (!on_progress) return;
    on_progress({s.started, s.completed, s.failed, s.in_progress, s.elapsed_s, writer.frames(),
                 writer.dropped()});
  };
  lo.stop_requested = hooks.stop_requested;
  auto played = engine::play_load(sc, testbed, lo);
  // What is still on its way to the capture: the last calls' final messages.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  writer.stop();
  std::string capture_error = capture->finish();
  if (!played) {
    out.outcome = Outcome::environment;
    out.error = sc.name + ": " + played.error();
    return out;
  }
  if (!capture_error.empty()) {
    out.outcome = Outcome::environment;
    out.error = capture_error;
    return out;
  }
  const engine::LoadResult& r = *played;
  out.capture = pcap.string();
  out.attempted = r.stats.started;
  out.engine_completed = r.stats.completed;
  out.engine_failed = r.stats.failed;
  out.engine_errors = r.errors;
  out.engines = r.engines;
  out.notes = r.notes;
  if (r.stats.started > 1 && r.last_start > r.first_start) {
    out.achieved_rate = static_cast<double>(r.stats.started - 1) /
                        (static_cast<double>(r.last_start - r.first_start) / 1e9);
  }
  RunCapture::Stats cs = capture->stats();
  out.frames = cs.frames;
  out.kernel_drops = cs.dropped;

  // Every call of the saved capture checked, with the role map the engines really bound
  // (a played role has one address per engine) and the parts' real addresses.
  CheckRequest cq;
  cq.capture = pcap.string();
  cq.scenario = rq.scenario;
  cq.testbed = rq.testbed;
  cq.roles = r.roles;
  for (const auto& [role, attrs] : scenario::bindings_from(testbed).roles) {
    for (const auto& [k, v] : attrs) cq.sets.roles[role][k] = v;
  }
  cq.each = true;
  Hooks quiet{nullptr, hooks.stop_requested};  // the load's ladder warned once already
  CheckResult checked = check(cq, quiet);
  if (!checked.each) {
    out.outcome = checked.outcome == Outcome::passed ? Outcome::failed : checked.outcome;
    out.error = checked.error;
    return out;
  }
  out.each = std::move(checked.each);
  out.unknown = out.attempted > out.each->calls ? out.attempted - out.each->calls : 0;
  if (out.unknown > 0) {
    out.notes.push_back(std::to_string(out.unknown) +
                        " calls started but not found in the capture: unknown, not passed");
  }
  out.notes.push_back("checked after the load from the saved capture (" + pcap.string() + ")");
  bool passed = out.each->all_passed() && out.unknown == 0 && out.engine_failed == 0 &&
                !(hooks.stop_requested && hooks.stop_requested());
  out.outcome = passed ? Outcome::passed : Outcome::failed;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return out;
}

}  // namespace ladder::usecase
