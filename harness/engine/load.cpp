// play_load(): K engines (load_engine.h), each on its own thread, started together; the calling
// thread waits for them to bind and register, hands out the start of the schedule, reports
// progress from the shared counters and joins them.
//
// The stack's retained state: nua keeps every finished transaction for a while, so memory grows
// with rate x that while. Load mode shortens what RFC 3261 lets a load run on loopback shorten:
// - 64*T1 (Timers B, F, H, J: 32 s with RFC 3261's T1 of 500 ms) to
//   LoadOptions::transaction_linger (4 s) with NTATAG_SIP_T1X64, keeping T1 itself (so
//   retransmission intervals are RFC 3261's). What that gives up: a transaction now times out
//   (408, Timers B/F) when no final response comes within 4 s, a retransmission that arrives
//   more than 4 s after its transaction ended is taken as a new request (a late BYE is answered
//   481), and a UAS whose 2xx gets no ACK within 4 s hangs up (RFC 3261 13.3.1.4): when the
//   harness falls behind, its own B may send BYE before its A's ACK (the check counts such a
//   call unknown, not failed: checker::EachOptions::harness_behind). Sofia-SIP 1.12.11 also
//   fires Timer H early on an overloaded loop (its B hangs up "ACK Timeout" 2 ms to 1 s after
//   its 200, measured at 3,500 and 4,000 calls/s on two engines, with 64*T1 at 4 s and at 32
//   s alike; at 3,000/s once, 200 calls within one second on one engine: the ACKs reached B
//   with the right tags, nta did not match them to the INVITE server transaction, nua logged
//   "strange ACK" in sofia.log, and Timer H fired at the first 2xx retransmission, T1 after the
//   200): checker::EachOptions::played_ack_wait makes those calls unknown too. On loopback against a
//   proxy that answers at all, responses come in milliseconds; a DUT that takes longer than 4 s
//   per transaction is not one to load-test at full rate.
// - T4 (Timers K and I: 5 s, "the longest a message stays in the network") to LoadOptions::t4
//   (1 s) with NTATAG_SIP_T4: a response or ACK retransmitted more than 1 s after its
//   transaction completed is no longer absorbed by it (loopback holds a message microseconds).
//   Measured (bench-load 2000 20, paired): peak RSS 1,067 -> 883 MiB.
// - Not Timer D: Sofia-SIP 1.12.11 keeps a client INVITE transaction (the INVITE, nua's request
//   template, the 2xx: about 11 KB) for max(32 s, 64*T1) after its final response, a constant no
//   tag shortens (nta.c: timer_d = 32000), so the resident size grows for 32 s and then levels
//   off at about rate x 32 s x 11 KB plus the shorter-lived state (about 0.9 GB at 2,000
//   calls/s). More load needs more memory, or an engine per process.
#include "engine/load.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>

#include "engine/load_engine.h"
#include "engine/sofia_log.h"
#include "engine/wire_log.h"

namespace ladder::engine {

namespace {
constexpr core::TimeNs kMs = 1'000'000;

// The played roles that register, with their users.
std::vector<std::pair<std::string, std::string>> registering(const scenario::Scenario& sc,
                                                             const scenario::Testbed& tb) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : sc.roles) {
    const scenario::TestbedRole* t = tb.find_role(r.id);
    if (t != nullptr && t->played_by == scenario::PlayedBy::harness && t->registers) {
      out.emplace_back(r.id, t->user);
    }
  }
  return out;
}

// The testbed as engine `i` plays it: its registering roles under the engine's users.
scenario::Testbed engine_testbed(const scenario::Testbed& tb, const EngineUsers& users,
                                 unsigned i) {
  scenario::Testbed out = tb;
  if (i >= users.size()) return out;
  for (scenario::TestbedRole& r : out.roles) {
    auto u = users[i].find(r.id);
    if (u != users[i].end()) r.user = u->second;
  }
  return out;
}

LoadStats snapshot(const LoadShared& s, core::TimeNs now) {
  LoadStats out;
  out.started = s.started.load();
  out.completed = s.completed.load();
  out.failed = s.failed.load();
  out.in_progress = s.in_progress.load();
  core::TimeNs t0 = s.t0.load();
  out.elapsed_s = t0 != 0 && now > t0 ? static_cast<double>(now - t0) / 1e9 : 0;
  return out;
}

}  // namespace

namespace {
std::map<std::string, std::string, std::less<>> users_for(
    const std::vector<std::pair<std::string, std::string>>& registering, unsigned engine) {
  std::map<std::string, std::string, std::less<>> out;
  if (engine == 0) return out;
  for (const auto& [role, user] : registering) out[role] = user + "-" + std::to_string(engine + 1);
  return out;
}
}  // namespace

std::map<std::string, std::string, std::less<>> engine_users_of(const scenario::Scenario& sc,
                                                                const scenario::Testbed& tb,
                                                                unsigned engine) {
  return users_for(registering(sc, tb), engine);
}

EngineUsers engine_users(const scenario::Scenario& sc, const scenario::Testbed& tb,
                         unsigned engines) {
  if (engines <= 1 || registering(sc, tb).empty()) return {};
  EngineUsers out;
  for (unsigned i = 0; i < engines; ++i) out.push_back(engine_users_of(sc, tb, i));
  return out;
}

std::function<const std::map<std::string, std::string, std::less<>>*(std::string_view)>
users_by_call(const scenario::Scenario& sc, const scenario::Testbed& tb) {
  // Made on first use, one entry per engine seen; the map's entries never move.
  struct Cache {
    std::vector<std::pair<std::string, std::string>> registering;
    std::mutex mutex;
    std::map<unsigned, std::map<std::string, std::string, std::less<>>> users;
  };
  auto cache = std::make_shared<Cache>();
  cache->registering = registering(sc, tb);
  if (cache->registering.empty()) return {};
  return [cache](std::string_view call_id)
             -> const std::map<std::string, std::string, std::less<>>* {
    std::optional<unsigned> e = call_engine(call_id);
    if (!e || *e == 0 || *e >= kMostEngines) return nullptr;
    std::lock_guard lock(cache->mutex);
    auto it = cache->users.find(*e);
    if (it == cache->users.end()) {
      it = cache->users.emplace(*e, users_for(cache->registering, *e)).first;
    }
    return &it->second;
  };
}

std::optional<std::string> load_usage_error(const scenario::Scenario& sc,
                                            const scenario::Testbed& tb, const LoadOptions& o) {
  for (const auto& r : sc.roles) {
    const scenario::TestbedRole* t = tb.find_role(r.id);
    if (t != nullptr && t->played_by == scenario::PlayedBy::dut && t->driver) {
      return r.id + " is a handset the testbed drives (" + tb.source +
             "): load mode plays only roles the harness plays itself; use a testbed where " +
             r.id + " is played_by: harness";
    }
  }
  bool played = std::any_of(sc.roles.begin(), sc.roles.end(), [&](const auto& r) {
    const scenario::TestbedRole* t = tb.find_role(r.id);
    return t != nullptr && t->played_by == scenario::PlayedBy::harness;
  });
  if (!played) return "the testbed plays none of the ladder's roles: there is no load to make";
  if (!std::isfinite(o.rate) || o.rate < 0) return "the rate must be a number of calls per second";
  if (o.rate_end) {
    if (!std::isfinite(*o.rate_end) || *o.rate_end < 0) {
      return "the ramp's end rate must be a number of calls per second";
    }
    if (o.duration.count() <= 0) return "a ramp (--rate R:R2) needs a duration to ramp over";
    if (o.rate == 0 && *o.rate_end == 0) return "a ramp from 0 to 0 starts no call";
  } else if (o.rate <= 0) {
    return "the rate must be above 0 calls per second";
  }
  if (o.engines > kMostEngines) {
    return "at most " + std::to_string(kMostEngines) + " engines (--engines)";
  }
  if (o.calls == 0 && o.duration.count() <= 0) {
    return "load needs a bound: a number of calls or a duration";
  }
  return std::nullopt;
}

std::expected<LoadResult, std::string> play_load(const scenario::Scenario& sc,
                                                 const scenario::Testbed& tb,
                                                 const LoadOptions& o) {
  if (auto e = load_usage_error(sc, tb, o)) return std::unexpected(*e);
  for (const auto& d : scenario::check_binding(sc, tb)) {
    if (d.severity == core::Severity::error) {
      return std::unexpected(std::string(scenario::summary_line(d)));
    }
  }
  LoadResult result;
  unsigned k = o.engines != 0 ? o.engines : std::max(1u, std::thread::hardware_concurrency());
  if (o.calls != 0) k = static_cast<unsigned>(std::min<std::uint64_t>(k, o.calls));
  auto regs = registering(sc, tb);
  if (k > 1 && !regs.empty() && o.engines == 0) {
    result.notes.push_back(
        "one engine, not " + std::to_string(k) +
        ": the testbed registers its roles, and a registrar forks a call to every contact of an "
        "AoR, so each engine's registration would get every call (--engines " +
        std::to_string(k) + " runs " + std::to_string(k) +
        ", each registering under users of its own, " + regs.front().second + "-2 ...)");
    k = 1;
  }
  result.engines = k;
  result.users = engine_users(sc, tb, k);
  if (!result.users.empty()) {
    std::string names;
    for (const auto& [role, user] : result.users.back()) {
      names += (names.empty() ? "" : ", ") + role + " " + user;
    }
    result.notes.push_back("the testbed registers its roles: each of the " + std::to_string(k) +
                           " engines registers under users of its own (the last: " + names +
                           "), and each call is checked with its engine's users");
  }

  SofiaLog sofia_log(o.engine.sofia_log);  // process-wide: before the first nua, after the last
  LoadShared shared;
  shared.token = run_token();
  std::vector<std::unique_ptr<LoadEngine>> engines;
  for (unsigned i = 0; i < k; ++i) {
    engines.push_back(
        std::make_unique<LoadEngine>(sc, engine_testbed(tb, result.users, i), o, shared, i, k));
  }
  std::vector<std::thread> threads;
  for (auto& e : engines) threads.emplace_back([&e] { e->run(); });
  auto join = [&] {
    shared.abort.store(true);
    for (auto& t : threads) {
      if (t.joinable()) t.join();
    }
  };
  auto first_error = [&]() -> std::optional<std::string> {
    for (auto& e : engines) {
      if (e->phase() == LoadEngine::Phase::failed) return e->setup_error();
    }
    return std::nullopt;
  };
  auto stop_requested = [&] { return o.stop_requested && o.stop_requested(); };
  // Every engine bound (bounded by the engines' own 2 s wait for their stack).
  auto wait_for = [&](LoadEngine::Phase phase, core::TimeNs limit) -> std::optional<std::string> {
    core::TimeNs deadline = now_ns() + limit;
    while (true) {
      if (auto e = first_error()) return e;
      bool all = std::all_of(engines.begin(), engines.end(),
                             [&](const auto& e) { return e->phase() >= phase; });
      if (all) return std::nullopt;
      if (stop_requested()) return "stopped on request before the load started";
      if (now_ns() >= deadline) {
        return std::string("the engines did not get ready within ") +
               std::to_string(limit / kMs / 1000) + " s";
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  };
  if (auto e = wait_for(LoadEngine::Phase::bound, 10'000 * kMs)) {
    join();
    return std::unexpected(*e);
  }
  result.roles = scenario::RoleMap::from_testbed(tb);
  std::erase_if(result.roles.roles, [&](const auto& r) { return sc.find_role(r.first) == nullptr; });
  for (const auto& [role, tbrole] : engines.front()->bound_roles()) {
    (void)tbrole;
    result.roles.roles[role].clear();
  }
  for (auto& e : engines) {
    for (const auto& [role, at] : e->bound_roles()) {
      result.roles.roles[role].push_back(scenario::RoleAddress{at.address, at.port});
    }
  }
  if (o.on_bound) o.on_bound(result.roles, result.users);
  shared.go_register.store(true);
  core::TimeNs step = o.engine.step_timeout.count() * kMs;
  if (tb.timeouts.step) step = tb.timeouts.step->count() * 1000;
  if (auto e = wait_for(LoadEngine::Phase::registered, step + 2000 * kMs)) {
    join();
    return std::unexpected(*e);
  }
  shared.t0.store(now_ns() + 20 * kMs);

  // The load runs; this thread reports. Bounded: the engines stop starting calls at their
  // bounds and give up on a call at its deadline; this is the backstop.
  // The schedule's length, then every call's own deadline (the whole ladder's), then teardown.
  double schedule_s = o.duration.count() > 0 ? static_cast<double>(o.duration.count()) / 1000
                                             : static_cast<double>(o.calls) / o.rate;
  core::TimeNs per_call = static_cast<core::TimeNs>(sc.steps.size() + 2) * step;
  if (tb.timeouts.scenario) per_call = tb.timeouts.scenario->count() * 1000;
  core::TimeNs hard = now_ns() + static_cast<core::TimeNs>(schedule_s * 1e9) + per_call +
                      20'000 * kMs;
  core::TimeNs next_progress = now_ns();
  while (true) {
    bool running = std::any_of(engines.begin(), engines.end(), [](const auto& e) {
      return e->phase() < LoadEngine::Phase::done && e->phase() != LoadEngine::Phase::failed;
    });
    if (!running) break;
    core::TimeNs now = now_ns();
    if (stop_requested()) shared.stop.store(true);
    if (now >= hard) shared.abort.store(true);
    if (o.on_progress && now >= next_progress) {
      o.on_progress(snapshot(shared, now));
      next_progress = now + 250 * kMs;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  join();
  if (auto e = first_error()) return std::unexpected(*e);
  result.stats = snapshot(shared, now_ns());
  core::TimeNs first = shared.first_start.load(), last = shared.last_start.load();
  result.first_start = first == std::numeric_limits<core::TimeNs>::max() ? 0 : first;
  result.last_start = last;
  std::vector<std::pair<std::uint64_t, std::string>> errors;
  for (auto& e : engines) {
    for (auto& x : e->call_errors()) errors.push_back(std::move(x));
    for (auto& n : e->notes()) result.notes.push_back(std::move(n));
  }
  std::sort(errors.begin(), errors.end());
  for (std::size_t i = 0; i < errors.size() && i < kKeptErrors; ++i) {
    result.errors.push_back("call " + std::to_string(errors[i].first) + ": " + errors[i].second);
  }
  if (stop_requested()) result.notes.push_back("stopped on request");
  if (o.on_progress) o.on_progress(result.stats);
  return result;
}

}  // namespace ladder::engine
