// `ladder run --calls/--duration`: the testbed's parts started, the load played by
// engine::play_load() while LiveEach captures and checks every call, the run directory written.
#include "usecase/load_run.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>


#include "engine/load.h"
#include "parts/parts.h"
#include "usecase/harness_own.h"
#include "usecase/live_each.h"
#include "usecase/socket_drops.h"
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
  // The live check starts when the engines are bound (its filter is the ports they got), before
  // they send anything; it runs on a thread of its own. A ladder with steps in several dialogs
  // (the transfer) has several Call-IDs a call: the engines put the call's number in each, and
  // the check groups them by it.
  bool one_call_id = checker::groupable_by_call_id(sc);
  std::unique_ptr<LiveEach> live;
  std::string live_error;
  std::atomic<bool> live_failed{false};
  checker::CheckOptions co = options_for(sc, testbed);
  // The played roles' own sockets: datagrams dropped there (the harness could not keep up)
  // make what its user agents failed to answer say nothing about the device under test.
  std::set<std::uint16_t> own_ports;
  std::atomic<std::uint64_t> own_drops{0};
  auto read_own_drops = [&own_ports, &own_drops] {
    std::uint64_t now = own_ports.empty() ? 0 : udp_drops(own_ports);
    std::uint64_t seen = own_drops.load();
    while (now > seen && !own_drops.compare_exchange_weak(seen, now)) {
    }
    return std::max(now, seen);
  };
  lo.on_bound = [&](const scenario::RoleMap& roles, const engine::EngineUsers& users) {
    for (const auto& [role, addresses] : roles.roles) {
      const scenario::TestbedRole* t = testbed.find_role(role);
      if (t == nullptr || t->played_by != scenario::PlayedBy::harness) continue;
      for (const scenario::RoleAddress& a : addresses) {
        if (a.port) own_ports.insert(*a.port);
      }
    }
    LiveEachOptions le;
    le.interface = capture_interface(testbed, rq.interface);
    le.pcap_path = pcap.string();
    le.each.check = co;
    le.each.check.roles = roles;
    if (!one_call_id) {
      le.each.call_of = engine::call_flow;
    }
    // Engines that registered under users of their own: a call is checked with its engine's.
    if (!users.empty()) le.each.users_of = engine::users_by_call(sc, testbed);
    le.generator_drops = read_own_drops;
    judge_as_load(sc, testbed, lo.transaction_linger, le.each);
    auto started = LiveEach::start(sc, std::move(le));
    if (!started) {
      live_error = started.error();
      live_failed.store(true);  // the engines stop before the first call
      return;
    }
    live = std::move(*started);
  };
  lo.on_progress = [&](const engine::LoadStats& s) {
    if (!on_progress) return;
    LoadProgress p{s.started, s.completed, s.failed, s.in_progress, s.elapsed_s, 0, 0, 0, 0};
    if (live) {
      LiveStats ls = live->stats();
      p.passed = ls.passed;
      p.checked_failed = ls.failed;
      p.frames = ls.frames;
      p.kernel_drops = ls.kernel_drops;
    }
    on_progress(p);
  };
  lo.stop_requested = [&] {
    return live_failed.load() || (hooks.stop_requested && hooks.stop_requested());
  };
  auto played = engine::play_load(sc, testbed, lo);
  std::optional<LiveEachResult> checked;
  // What is still on its way to the capture (the last calls' final messages), then every call
  // still open is checked.
  if (live) checked = live->finish(std::chrono::milliseconds(2000));
  if (live_failed.load()) {
    out.outcome = Outcome::environment;
    out.error = live_error;
    return out;
  }
  if (!played) {
    out.outcome = Outcome::environment;
    out.error = sc.name + ": " + played.error();
    return out;
  }
  const engine::LoadResult& r = *played;
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
  bool stopped = hooks.stop_requested && hooks.stop_requested();
  out.generator_drops = own_drops.load();
  if (out.generator_drops > 0) {
    out.notes.push_back(
        std::to_string(out.generator_drops) +
        " datagrams dropped at the harness's own sockets (it could not keep up at this rate): "
        "what its user agents then missed, or got wrong for want of it (a step of their own out "
        "of order), is not held against the device; such calls are unknown, never passed");
  }
  if (!checked) {  // the engines never reported their roles bound
    out.outcome = Outcome::environment;
    out.error = sc.name + ": the engines started no live check (no roles bound)";
    return out;
  }
  out.capture = pcap.string();
  out.frames = checked->frames;
  out.kernel_drops = checked->kernel_drops;
  out.retransmissions = checked->retransmissions;
  for (std::string& n : checked->notes) {  // those the check's own report does not give
    const auto& own = checked->summary.notes;
    if (std::find(own.begin(), own.end(), n) == own.end()) out.notes.push_back(std::move(n));
  }
  // Calls started that the capture never showed at all are unknown too.
  std::uint64_t seen = checked->summary.calls;
  std::uint64_t not_seen = out.attempted > seen ? out.attempted - seen : 0;
  out.unknown = checked->unknown + not_seen;
  if (not_seen > 0) {
    out.notes.push_back(std::to_string(not_seen) +
                        " calls started but not found in the capture: unknown, not passed");
  }
  if (!checked->error.empty()) out.notes.push_back("capture: " + checked->error);
  if (std::uint64_t n = checked->summary.harness_gave_up; n > 0) {
    out.notes.push_back(harness_gave_up_note(n));
  }
  out.each = std::move(checked->summary);
  // The wire decides each call. The engines' own failures fail the run too, unless the
  // harness dropped datagrams: then they may be its own losses, and the wire (where a call
  // such a loss broke is unknown, never passed) is the judge.
  bool engines_ok = out.engine_failed == 0 || out.generator_drops > 0;
  bool passed = checked->all_passed() && not_seen == 0 && engines_ok && !stopped;
  out.outcome = passed ? Outcome::passed : Outcome::failed;
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  return out;
}

}  // namespace ladder::usecase
