// One engine of a load run. Per loop turn: start the calls due (pacing by deadline: call k of
// this engine is due at t0 + T(k * engines + index), T from the constant rate or the linear
// ramp, so a late turn catches up instead of drifting), run the loop once, read the transport
// dumps and hand each message to the instance its Call-ID names, then advance the instances
// touched and those whose wake-up time (Director::next_wake: a ring time, a pause, a deadline,
// the end of the linger) has come; no call is visited on a timer.
#include "engine/load_engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "engine/agent.h"
#include "engine/director.h"
#include "engine/role_setup.h"
#include "engine/su_loop.h"
#include "engine/targets.h"
#include "engine/temp_dir.h"
#include "engine/wire_log.h"

namespace ladder::engine {

namespace {
constexpr core::TimeNs kMs = 1'000'000;
/// An action armed but not performed yet (its actor was not ready) is tried again this soon.
constexpr core::TimeNs kRetry = 20 * kMs;
/// Most calls one engine starts in one turn (a turn late by seconds does not start thousands).
constexpr int kMostStartsPerTurn = 500;

std::optional<std::string> env_secret(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

/// The actor of one role in one call instance: the role's shared user agent, scoped to the
/// instance's handles. Errors the agent found for the instance are handed in by the engine.
class InstanceActor final : public Actor {
 public:
  InstanceActor(Agent& agent, std::uint64_t instance) : agent_(agent), instance_(instance) {}
  Outcome perform(const Action& action) override { return agent_.perform(action, instance_); }
  std::optional<core::Endpoint> bound() const override { return agent_.bound(); }
  std::vector<ActorError> take_errors() override {
    std::vector<ActorError> out;
    out.swap(errors_);
    return out;
  }
  void add_error(ActorError e) { errors_.push_back(std::move(e)); }
  // The agent is torn down by the engine; an instance only releases its handles (finish()).
  void begin_teardown() override {}
  bool teardown_step() override { return true; }

 private:
  Agent& agent_;
  std::uint64_t instance_;
  std::vector<ActorError> errors_;
};

}  // namespace

std::string run_token() {
  std::random_device rd;
  std::uniform_int_distribution<std::uint32_t> d;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x%08x", d(rd), d(rd));
  return buf;
}

namespace {

// "<token>-<call>-<engine>.<seq>@..." (or "<token>-<call>-<seq>@...", engine 0) split: the
// token, the call number, the engine; nothing for a Call-ID of another shape.
struct CallIdParts {
  std::string_view token;
  std::uint64_t call = 0;
  std::uint64_t engine = 0;
  std::size_t flow_end = 0;  ///< the length of "<token>-<call>-"
};

std::optional<std::uint64_t> digits(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return n;
}

std::optional<CallIdParts> parts_of(std::string_view id) {
  std::size_t d1 = id.find('-');
  if (d1 == 0 || d1 == std::string_view::npos) return std::nullopt;
  std::size_t d2 = id.find('-', d1 + 1);
  if (d2 == std::string_view::npos) return std::nullopt;
  std::size_t at = id.find('@', d2 + 1);
  auto call = digits(id.substr(d1 + 1, d2 - d1 - 1));
  std::string_view rest = id.substr(d2 + 1, at == std::string_view::npos ? at : at - d2 - 1);
  std::optional<std::uint64_t> engine = 0;
  if (std::size_t dot = rest.find('.'); dot != std::string_view::npos) {
    engine = digits(rest.substr(0, dot));
    rest.remove_prefix(dot + 1);
  }
  if (!call || !engine || !digits(rest)) return std::nullopt;
  return CallIdParts{id.substr(0, d1), *call, *engine, d2 + 1};
}

bool made_by_ladder(std::string_view call_id, const CallIdParts& p) {
  return call_id.ends_with("@ladder") && p.token.size() == 16 &&
         p.token.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

}  // namespace

std::optional<std::uint64_t> call_number(std::string_view call_id, std::string_view token) {
  auto p = parts_of(call_id);
  if (!p || p->token != token) return std::nullopt;
  return p->call;
}

std::string_view call_flow(std::string_view call_id) {
  auto p = parts_of(call_id);
  if (!p || !made_by_ladder(call_id, *p)) return call_id;
  return call_id.substr(0, p->flow_end);
}

std::optional<unsigned> call_engine(std::string_view call_id) {
  auto p = parts_of(call_id);
  if (!p || !made_by_ladder(call_id, *p) || p->engine > std::numeric_limits<unsigned>::max()) {
    return std::nullopt;
  }
  return static_cast<unsigned>(p->engine);
}

struct LoadEngine::Role {
  std::string id;
  const scenario::TestbedRole* tb = nullptr;
  std::unique_ptr<Agent> agent;
  std::unique_ptr<DumpTail> dump;
};

struct LoadEngine::Shared {
  DirectorOptions director;
  std::set<std::string, std::less<>> played;
  std::optional<Targets> targets;
};

struct LoadEngine::Instance {
  std::uint64_t n = 0;
  Targets targets;
  Director director;
  std::vector<std::unique_ptr<InstanceActor>> actors;  ///< by role index
  bool counted = false;                                ///< completed or failed recorded
  bool touched = false;
  core::TimeNs wake = 0;  ///< when it is next advanced with nothing seen (its entry in wakes_)
  Instance(std::uint64_t number, const Targets& t, const scenario::Scenario& sc,
           const std::set<std::string, std::less<>>& played, const DirectorOptions& d)
      : n(number), targets(t), director(sc, played, d) {}
};

LoadEngine::LoadEngine(const scenario::Scenario& sc, scenario::Testbed tb, const LoadOptions& o,
                       LoadShared& shared, unsigned index, unsigned count)
    : sc_(sc), tb_(std::move(tb)), opt_(o), shared_(shared), index_(index), count_(count) {}

LoadEngine::~LoadEngine() = default;

void LoadEngine::fail_setup(std::string message) {
  setup_error_ = std::move(message);
  phase_.store(Phase::failed);
}

void LoadEngine::run() {
  bool ready;
  {
    std::lock_guard lock(shared_.sofia);
    ready = setup();
  }
  if (!ready) {
    std::string e = std::move(setup_error_);
    teardown();
    fail_setup(std::move(e));
    return;
  }
  if (!wait_bound()) {
    std::string who;
    for (const Role& r : roles_) {
      if (!r.agent->bound()) who = r.id;
    }
    teardown();
    fail_setup(who + ": the SIP stack did not report its bound address within 2s");
    return;
  }
  phase_.store(Phase::bound);
  // Serve the loop while the others bind; bounded by the calling thread (abort).
  while (!shared_.go_register.load() && !aborted()) turn(10);
  if (aborted() || !register_roles()) {
    std::string e = std::move(setup_error_);
    teardown();
    if (e.empty()) {
      phase_.store(Phase::done);
    } else {
      fail_setup(std::move(e));
    }
    return;
  }
  phase_.store(Phase::registered);
  while (shared_.t0.load() == 0 && !aborted()) turn(5);
  phase_.store(Phase::running);
  if (!aborted()) load();
  teardown();
  phase_.store(Phase::done);
}

bool LoadEngine::setup() {
  dir_ = std::make_unique<TempDir>();
  if (dir_->path().empty()) {
    setup_error_ = "cannot create a temporary directory";
    return false;
  }
  auto loop = SuLoop::create();
  if (!loop) {
    setup_error_ = loop.error();
    return false;
  }
  loop_ = std::move(*loop);
  common_ = std::make_unique<Shared>();
  for (const auto& r : sc_.roles) {
    const scenario::TestbedRole* tb = tb_.find_role(r.id);
    if (tb == nullptr || tb->played_by != scenario::PlayedBy::harness) continue;
    common_->played.insert(r.id);
    roles_.push_back({r.id, tb, nullptr, nullptr});
  }
  proxy_ = proxy_role(sc_, tb_);
  common_->director = director_options(tb_, opt_.engine);
  Targets pre(sc_, tb_, scenario::bindings_from(tb_), proxy_);
  const scenario::TestbedRole* p = proxy_ ? tb_.find_role(*proxy_) : nullptr;
  const std::string& token = shared_.token;
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    Role& r = roles_[i];
    AgentConfig c = agent_config(r.id, *r.tb, pre, p, env_secret);
    if (opt_.engine.getenv) {
      if (r.tb->password_env) c.password = opt_.engine.getenv(*r.tb->password_env);
    }
    c.dump_path = dir_->path() + "/" + r.id + ".dump";
    c.media_port = static_cast<std::uint16_t>(40000 + 2 * i);
    c.t1x64_ms = static_cast<unsigned>(opt_.transaction_linger.count());
    c.t4_ms = static_cast<unsigned>(opt_.t4.count());
    c.udp_buffer = opt_.udp_buffer;
    c.new_call_id = [this, &token](std::uint64_t n) -> std::string {
      if (n == 0) return {};  // the registration, not a call: the stack's own Call-ID
      return token + "-" + std::to_string(n) + "-" + std::to_string(index_) + "." +
             std::to_string(++call_ids_) + "@ladder";
    };
    c.instance_of = [this, &token](std::string_view id) -> std::optional<std::uint64_t> {
      auto n = call_number(id, token);
      if (!n || !instances_.contains(*n)) return std::nullopt;
      return n;
    };
    r.dump = std::make_unique<DumpTail>(c.dump_path, true);
    auto a = Agent::create(loop_->root(), std::move(c));
    if (!a) {
      setup_error_ = a.error();
      return false;
    }
    r.agent = std::move(*a);
  }
  return true;
}

bool LoadEngine::wait_bound() {
  core::TimeNs deadline = now_ns() + 2000 * kMs;
  auto all = [&] {
    return std::all_of(roles_.begin(), roles_.end(),
                       [](const Role& r) { return r.agent->bound().has_value(); });
  };
  while (!all() && now_ns() < deadline && !aborted()) loop_->step(10);
  if (!all()) return false;
  scenario::Bindings b = scenario::bindings_from(tb_);
  for (const Role& r : roles_) {
    const core::Endpoint e = *r.agent->bound();
    bound_roles_.emplace_back(r.id, e);
    auto& attrs = b.roles[r.id];
    attrs["host"] = e.address.uri_host();
    attrs["port"] = std::to_string(e.port);
    attrs["address"] = e.to_string();
  }
  common_->targets.emplace(sc_, tb_, std::move(b), proxy_);
  return true;
}

bool LoadEngine::register_roles() {
  std::vector<Registering> regs;
  for (Role& r : roles_) {
    if (!registers_first(sc_, r.id, *r.tb)) continue;
    if (!proxy_) {
      setup_error_ =
          r.id + ": the testbed says it registers, but the ladder has no proxy to register with";
      return false;
    }
    r.agent->register_start();
    regs.push_back({r.id, r.agent.get()});
  }
  if (regs.empty()) return true;
  std::optional<std::string> error = await_registrations(
      regs, common_->director.testbed_step_timeout.value_or(common_->director.step_timeout),
      *proxy_ + " (" + tb_.find_role(*proxy_)->address.to_string() + ")", [&] {
        if (aborted()) return false;
        turn(10);
        for (Role& r : roles_) {
          for (auto& [n, e] : r.agent->take_instance_errors()) {
            if (e.fatal) {
              setup_error_ = e.message;
              return false;
            }
          }
        }
        return true;
      });
  if (aborted() || !setup_error_.empty()) return false;
  if (error) {
    setup_error_ = std::move(*error);
    return false;
  }
  return true;
}

void LoadEngine::turn(int ms) {
  loop_->step(ms);
  // Outside the load the dumps are read and dropped (registrations, teardown): they must not
  // grow, and no instance wants them.
  core::TimeNs now = now_ns();
  for (Role& r : roles_) {
    if (r.dump) r.dump->poll(now);
  }
}

std::optional<double> LoadEngine::due_seconds(std::uint64_t k) const {
  double j = static_cast<double>(k) * count_ + index_;  // the call's place in the whole schedule
  double r = opt_.rate;
  if (!opt_.rate_end) return j / r;
  double d = std::chrono::duration<double>(opt_.duration).count();
  double a = (*opt_.rate_end - r) / d;
  if (std::abs(a) < 1e-9) return r > 0 ? std::optional<double>(j / r) : std::nullopt;
  // Calls started by time t: r t + a t^2 / 2 = j.
  double disc = r * r + 2 * a * j;
  if (disc < 0) return std::nullopt;
  double t = (std::sqrt(disc) - r) / a;
  if (!std::isfinite(t) || t < 0) return std::nullopt;
  return t;
}

bool LoadEngine::start_due(core::TimeNs now) {
  core::TimeNs t0 = shared_.t0.load();
  for (int i = 0; i < kMostStartsPerTurn; ++i) {
    auto t = due_seconds(started_here_);
    if (!t) return false;
    core::TimeNs due = t0 + static_cast<core::TimeNs>(*t * 1e9);
    if (opt_.duration.count() > 0 && due >= t0 + opt_.duration.count() * kMs) return false;
    if (due > now) return true;
    // Take a place among the calls in progress (all engines), then a call number.
    std::uint64_t cur = shared_.in_progress.load();
    do {
      if (opt_.concurrency != 0 && cur >= opt_.concurrency) return true;  // waits for a place
    } while (!shared_.in_progress.compare_exchange_weak(cur, cur + 1));
    std::uint64_t n = shared_.next_call.fetch_add(1);
    if (opt_.calls != 0 && n > opt_.calls) {
      shared_.in_progress.fetch_sub(1);
      return false;
    }
    start_call(n, now);
    ++started_here_;
  }
  return true;
}

void LoadEngine::start_call(std::uint64_t n, core::TimeNs now) {
  auto x = std::make_unique<Instance>(n, *common_->targets, sc_, common_->played,
                                      common_->director);
  for (Role& r : roles_) {
    x->actors.push_back(std::make_unique<InstanceActor>(*r.agent, n));
    x->director.cast(r.id, *x->actors.back());
  }
  x->director.start(now, x->targets);
  shared_.started.fetch_add(1);
  core::TimeNs first = shared_.first_start.load();
  while (now < first && !shared_.first_start.compare_exchange_weak(first, now)) {
  }
  core::TimeNs last = shared_.last_start.load();
  while (now > last && !shared_.last_start.compare_exchange_weak(last, now)) {
  }
  Instance& ref = *x;
  instances_.emplace(n, std::move(x));
  ref.touched = true;
  touched_.push_back(n);
}

void LoadEngine::read_wire(core::TimeNs now) {
  for (Role& r : roles_) {
    for (DumpMessage& m : r.dump->poll(now)) {
      auto n = call_number(sip::call_id_of(m.bytes), shared_.token);
      if (!n) continue;  // a registration, another run's
      auto it = instances_.find(*n);
      if (it == instances_.end()) continue;  // a call over already (a retransmission)
      if (m.body_missing > 0) {
        if (auto body = r.agent->sent_body(m.body_missing)) m.bytes += *body;
      }
      Instance& x = *it->second;
      sip::Message msg(std::move(m.bytes));
      x.director.observe(r.id, m.sent, msg, m.time);
      if (!x.touched) {
        x.touched = true;
        touched_.push_back(*n);
      }
    }
  }
}

void LoadEngine::route_errors() {
  for (std::size_t i = 0; i < roles_.size(); ++i) {
    for (auto& [n, e] : roles_[i].agent->take_instance_errors()) {
      auto it = instances_.find(n);
      if (it != instances_.end()) {
        it->second->actors[i]->add_error(std::move(e));
        if (!it->second->touched) {
          it->second->touched = true;
          touched_.push_back(n);
        }
      } else if (notes_.size() < kKeptErrors) {
        notes_.push_back(e.message);  // the registration's, or a call already over
      }
    }
  }
}

void LoadEngine::count(Instance& x, bool completed, const std::string& error) {
  x.counted = true;
  shared_.in_progress.fetch_sub(1);
  if (completed) {
    shared_.completed.fetch_add(1);
    return;
  }
  shared_.failed.fetch_add(1);
  // Keep the lowest call numbers: the report shows the first failed calls.
  if (errors_.size() < kKeptErrors) {
    errors_.emplace_back(x.n, error);
  } else {
    auto worst = std::max_element(errors_.begin(), errors_.end());
    if (x.n < worst->first) *worst = {x.n, error};
  }
}

bool LoadEngine::advance_one(Instance& x, core::TimeNs now) {
  Director& d = x.director;
  d.fire_due(now);
  d.take_actor_errors();
  d.fire_due(now);
  bool over = d.over(now);
  if (!x.counted) {
    if (!d.errors().empty()) {
      count(x, false, d.errors().front());
    } else if (d.plan().complete()) {
      count(x, true, {});
    } else if (over) {
      count(x, false, "ended before its steps were seen");
    }
  }
  return over;
}

void LoadEngine::finish(std::uint64_t n) {
  for (Role& r : roles_) r.agent->release_instance(n);
  instances_.erase(n);
}

void LoadEngine::advance(core::TimeNs now) {
  // The calls whose wake-up time has come join those a message or an error touched. An entry
  // is stale when the call was advanced since and took a new time (or is over).
  while (!wakes_.empty() && wakes_.top().first <= now) {
    auto [t, n] = wakes_.top();
    wakes_.pop();
    auto it = instances_.find(n);
    if (it == instances_.end() || it->second->wake != t || it->second->touched) continue;
    it->second->touched = true;
    touched_.push_back(n);
  }
  std::vector<std::uint64_t> done;
  for (std::uint64_t n : touched_) {
    auto it = instances_.find(n);
    if (it == instances_.end()) continue;
    Instance& x = *it->second;
    x.touched = false;
    if (advance_one(x, now)) {
      done.push_back(n);
      continue;
    }
    auto w = x.director.next_wake(now);
    // Nothing timed ahead: only a message moves it on. The same time as before: its entry is
    // still in the heap (one popped is at or before now, and a new time is after it).
    core::TimeNs wake = w ? std::max(*w, now + (*w <= now ? kRetry : 0)) : 0;
    if (wake != x.wake && wake != 0) wakes_.emplace(wake, n);
    x.wake = wake;
  }
  touched_.clear();
  for (std::uint64_t n : done) finish(n);
}

void LoadEngine::stop_all(const std::string& why) {
  std::vector<std::uint64_t> all;
  for (auto& [n, x] : instances_) {
    if (!x->counted) {
      x->director.fail(why, x->director.plan().waiting_for());
      count(*x, false, why);
    }
    all.push_back(n);
  }
  for (std::uint64_t n : all) finish(n);
}

void LoadEngine::load() {
  while (!aborted()) {
    core::TimeNs now = now_ns();
    if (shared_.stop.load() && starting_) {
      starting_ = false;
      stop_all("stopped on request");
    }
    if (starting_) starting_ = start_due(now);
    int wait = 5;
    if (starting_) {
      if (auto t = due_seconds(started_here_)) {
        core::TimeNs due = shared_.t0.load() + static_cast<core::TimeNs>(*t * 1e9);
        // Rounded up: a call due in under a millisecond must not turn the loop into a spin (a
        // late start is caught up, as the schedule is by deadline).
        wait = static_cast<int>(std::clamp<core::TimeNs>((due - now + kMs - 1) / kMs, 0, 5));
      }
    }
    if (!wakes_.empty()) {
      wait = static_cast<int>(
          std::clamp<core::TimeNs>((wakes_.top().first - now + kMs - 1) / kMs, 0, wait));
    }
    if (!touched_.empty()) wait = 0;
    loop_->step(wait);
    now = now_ns();
    read_wire(now);
    route_errors();
    advance(now);
    if (!starting_ && instances_.empty()) break;
  }
  if (!instances_.empty()) stop_all("the load was cut short");
}

void LoadEngine::teardown() {
  if (!loop_) return;
  instances_.clear();
  std::vector<Agent*> agents;
  for (Role& r : roles_) {
    if (r.agent) agents.push_back(r.agent.get());
  }
  for (Agent* a : agents) a->begin_teardown();
  // Each agent keeps its own deadlines (2 s to un-register, 5 s to shut down); this one bounds
  // the whole.
  core::TimeNs deadline = now_ns() + 8000 * kMs;
  while (now_ns() < deadline) {
    bool all = true;
    for (Agent* a : agents) all = a->teardown_step() && all;
    if (all) break;
    turn(10);
  }
  // Not under LoadShared::sofia: the thread holds its loop's own lock here, which setup()
  // took under it (ThreadSanitizer calls that order inversion a potential deadlock).
  roles_.clear();
  loop_.reset();
}

}  // namespace ladder::engine
