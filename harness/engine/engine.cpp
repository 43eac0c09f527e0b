// play(): Sofia set-up, registration, the loop and teardown. Agents (one nua each) on one
// su_root (SuLoop) in this thread; after every turn the transport dumps are read back and fed to
// the Director, which decides which actions are due, performs them through the roles' actors
// and says when the run is over.
#include "engine/engine.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "engine/agent.h"
#include "engine/director.h"
#include "engine/drivers.h"
#include "engine/role_setup.h"
#include "engine/sofia_log.h"
#include "engine/su_loop.h"
#include "engine/temp_dir.h"
#include "engine/targets.h"
#include "engine/wire_log.h"

namespace ladder::engine {

namespace {

using scenario::PlayedBy;
constexpr core::TimeNs kMs = 1'000'000;

class Run {
 public:
  Run(const scenario::Scenario& sc, const scenario::Testbed& tb, const EngineOptions& o)
      : sc_(sc), tb_(tb), opt_(o) {}
  std::expected<EngineResult, std::string> go();

 private:
  std::expected<void, std::string> setup();
  std::expected<void, std::string> add_agents();
  bool wait_bound();
  std::expected<void, std::string> wait_drivers();
  void read_capture();
  void take_events();
  bool register_roles();
  void main_loop();
  void teardown();
  std::optional<std::string> unreachable_dut(const std::optional<TransportError>& e) const;
  void turn(int ms);
  void read_wire();
  bool stop_requested() const { return opt_.stop_requested && opt_.stop_requested(); }
  std::optional<std::string> secret(const std::string& name) const {
    if (opt_.getenv) return opt_.getenv(name);
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
  core::TimeNs testbed_step_timeout() const {
    return tb_.timeouts.step ? tb_.timeouts.step->count() * 1000
                             : static_cast<core::TimeNs>(opt_.step_timeout.count()) * kMs;
  }

  const scenario::Scenario& sc_;
  const scenario::Testbed& tb_;
  const EngineOptions& opt_;
  EngineResult result_;
  TempDir dir_;
  // Destroyed in reverse: registrations and actors go before the loop they were made on.
  std::unique_ptr<SuLoop> loop_;
  std::vector<Registration> pollers_;
  struct Role {  ///< a role the harness plays with a Sofia user agent
    std::string id;
    const scenario::TestbedRole* tb = nullptr;
    std::unique_ptr<Agent> agent;
    std::unique_ptr<DumpTail> dump;
    std::uint16_t media_port = 0;
  };
  std::vector<Role> roles_;
  struct Driven {  ///< a handset DUT the harness makes act through its driver (drivers.h)
    std::string id;
    std::unique_ptr<Actor> actor;
  };
  std::vector<Driven> drivers_;
  std::optional<std::string> proxy_;
  std::optional<Director> director_;
  std::optional<Targets> targets_;
  // Messages between two played roles appear in both dumps: keep one copy in `seen`.
  std::map<std::string, int> sent_between_played_, received_between_played_;
};

std::expected<EngineResult, std::string> Run::go() {
  SofiaLog sofia_log(opt_.sofia_log);  // before the first nua, restored after the last
  if (auto r = setup(); !r) {
    teardown();
    return std::unexpected(r.error());
  }
  if (auto r = wait_drivers(); !r) {
    teardown();
    return std::unexpected(r.error());
  }
  if (!wait_bound()) {
    std::string who;
    for (const auto& r : roles_) {
      if (!r.agent->bound()) who = r.id;
    }
    teardown();
    return std::unexpected(who + ": the SIP stack did not report its bound address within 2s");
  }
  if (opt_.on_bound) opt_.on_bound(result_.roles);
  if (register_roles()) main_loop();
  teardown();
  std::stable_sort(
      result_.seen.begin(), result_.seen.end(),
      [](const sip::WireMessage& a, const sip::WireMessage& b) { return a.time < b.time; });
  for (std::size_t i = 0; i < result_.seen.size(); ++i) {
    result_.seen[i].frame = result_.seen[i].first_frame = i + 1;
  }
  result_.errors = director_->errors();
  result_.stuck_step = director_->stuck_step();
  result_.unseen_error = director_->unseen_error();
  result_.played = director_->played();
  result_.completed = result_.errors.empty() && director_->plan().complete();
  result_.unreachable = unreachable_dut(sofia_log.transport_error());
  return std::move(result_);
}

// A DUT is "not there" when Sofia could not send to its address and nothing ever came from it.
std::optional<std::string> Run::unreachable_dut(const std::optional<TransportError>& e) const {
  if (!e) return std::nullopt;
  for (const scenario::TestbedRole& r : tb_.roles) {
    if (!(r.address == e->to)) continue;
    for (const sip::WireMessage& m : result_.seen) {
      if (m.src == e->to) return std::nullopt;  // it did answer once: a fault of the device
    }
    bool refused = e->reason == "connection refused";
    return r.id + " at " + e->to.to_string() +
           (refused ? " is not listening (connection refused)" : " cannot be reached (" + e->reason + ")");
  }
  return std::nullopt;
}

std::expected<void, std::string> Run::setup() {
  for (const auto& d : scenario::check_binding(sc_, tb_)) {
    if (d.severity == core::Severity::error) {
      return std::unexpected(std::string(scenario::summary_line(d)));
    }
  }
  if (dir_.path().empty()) return std::unexpected("cannot create a temporary directory");
  auto loop = SuLoop::create();
  if (!loop) return std::unexpected(loop.error());
  loop_ = std::move(*loop);

  std::set<std::string, std::less<>> played;
  for (const auto& r : sc_.roles) {
    const scenario::TestbedRole* tb = tb_.find_role(r.id);
    if (tb == nullptr) continue;
    if (tb->played_by == PlayedBy::harness) {
      played.insert(r.id);
      roles_.push_back(
          {r.id, tb, nullptr, nullptr, static_cast<std::uint16_t>(40000 + 2 * roles_.size())});
    } else if (tb->played_by == PlayedBy::dut && tb->driver) {
      auto driver = make_driver(*tb, *loop_, [this](const std::string& n) { return secret(n); });
      if (!driver) return std::unexpected(driver.error());
      if (*driver) {
        played.insert(r.id);
        drivers_.push_back({r.id, std::move(*driver)});
      }
    }
  }
  proxy_ = proxy_role(sc_, tb_);
  director_.emplace(sc_, played, director_options(tb_, opt_));
  for (Driven& x : drivers_) director_->drive(x.id, *x.actor);

  for (const Poller& p : opt_.pollers) {
    auto w = loop_->watch(p.fd, Readiness::readable, p.on_readable);
    if (!w) return std::unexpected(w.error());
    pollers_.push_back(std::move(*w));
  }
  return add_agents();
}

std::expected<void, std::string> Run::add_agents() {
  // Identity needs the proxy's domain; ports are filled in after binding.
  scenario::Bindings pre = scenario::bindings_from(tb_);
  Targets pre_targets(sc_, tb_, pre, proxy_);
  const scenario::TestbedRole* p = proxy_ ? tb_.find_role(*proxy_) : nullptr;
  for (Role& r : roles_) {
    AgentConfig c = agent_config(r.id, *r.tb, pre_targets, p,
                                 [this](const std::string& n) { return secret(n); });
    c.dump_path = dir_.path() + "/" + r.id + ".dump";
    c.media_port = r.media_port;
    r.dump = std::make_unique<DumpTail>(c.dump_path);
    auto a = Agent::create(loop_->root(), std::move(c));
    if (!a) return std::unexpected(a.error());
    r.agent = std::move(*a);
    director_->cast(r.id, *r.agent);
  }
  return {};
}

std::expected<void, std::string> Run::wait_drivers() {
  if (drivers_.empty()) return {};
  if (!opt_.take_wire) {
    return std::unexpected(drivers_.front().id +
                           ": a handset driven by a driver is followed through the capture; "
                           "run without --no-capture");
  }
  // Each driver keeps its own connect deadline; this one only bounds a driver that keeps none.
  core::TimeNs deadline = now_ns() + 10000 * kMs;
  while (now_ns() < deadline && !stop_requested()) {
    bool all = true;
    for (Driven& x : drivers_) {
      for (ActorError& e : x.actor->take_errors()) {
        // Cannot reach its phone: an environment error (exit 3), named by the driver.
        if (e.fatal) return std::unexpected(std::move(e.message));
        director_->note(std::move(e.message));
      }
      all = all && x.actor->ready();
    }
    if (all) return {};
    loop_->step(10);
  }
  // Ctrl-C: not an environment error; the run goes on to stop cleanly, and says it was stopped.
  if (stop_requested()) return {};
  return std::unexpected(drivers_.front().id + ": the driver did not reach its phone within 10 s");
}

bool Run::wait_bound() {
  core::TimeNs deadline = now_ns() + 2000 * kMs;
  auto all = [&] {
    return std::all_of(roles_.begin(), roles_.end(),
                       [](const Role& r) { return r.agent->bound().has_value(); });
  };
  while (!all() && now_ns() < deadline) loop_->step(10);
  if (!all()) return false;
  result_.roles = scenario::RoleMap::from_testbed(tb_);
  // A testbed role the ladder does not have takes no part: left in, its "any port" binding
  // (port 0) claimed every unmatched source, such as a played role's TCP connection from an
  // ephemeral port (a false red over TCP: "INVITE A -> P: not seen; the nearest is INVITE C -> P").
  std::erase_if(result_.roles.roles,
                [&](const auto& r) { return sc_.find_role(r.first) == nullptr; });
  result_.bindings = scenario::bindings_from(tb_);
  for (const Role& r : roles_) {
    const core::Endpoint e = *r.agent->bound();
    result_.roles.roles[r.id] = {scenario::RoleAddress{e.address, e.port}};
    auto& attrs = result_.bindings.roles[r.id];
    attrs["host"] = e.address.uri_host();
    attrs["port"] = std::to_string(e.port);
    attrs["address"] = e.to_string();
  }
  targets_.emplace(sc_, tb_, result_.bindings, proxy_);
  return true;
}

void Run::turn(int ms) {
  loop_->step(ms);
  read_wire();
  read_capture();
  take_events();
  if (director_) director_->take_actor_errors();
}

void Run::take_events() {
  for (Driven& x : drivers_) {
    for (core::DriverEvent& e : x.actor->take_events()) {
      result_.driver_events.push_back(std::move(e));
    }
  }
}

void Run::read_capture() {
  if (drivers_.empty() || !opt_.take_wire) return;
  // A driven handset's messages, from the capture: from its testbed address or to it.
  for (const sip::WireMessage& m : opt_.take_wire()) {
    for (const Driven& x : drivers_) {
      const scenario::TestbedRole* tb = tb_.find_role(x.id);
      if (tb == nullptr) continue;
      if (m.src == tb->address) director_->observe(x.id, true, m.message, m.time);
      if (m.dst == tb->address) director_->observe(x.id, false, m.message, m.time);
    }
  }
}

void Run::read_wire() {
  core::TimeNs now = now_ns();
  for (Role& r : roles_) {
    if (!r.agent || !r.agent->bound()) continue;
    core::Endpoint local = *r.agent->bound();
    for (DumpMessage& m : r.dump->poll(now)) {
      bool incomplete = false;
      if (m.body_missing > 0) {
        if (auto body = r.agent->sent_body(m.body_missing)) {
          m.bytes += *body;
        } else {
          incomplete = true;  // a body the stack made up itself: not in the dump
        }
      }
      sip::Message msg(std::move(m.bytes));
      if (director_) director_->observe(r.id, m.sent, msg, m.time);
      // One copy of a message between two played roles.
      bool peer_played = std::any_of(roles_.begin(), roles_.end(), [&](const Role& o) {
        return o.agent && o.agent->bound() && *o.agent->bound() == m.peer;
      });
      if (peer_played) {
        std::string key(msg.bytes());
        auto& mine = m.sent ? sent_between_played_[key] : received_between_played_[key];
        auto& other = m.sent ? received_between_played_[key] : sent_between_played_[key];
        ++mine;
        if (mine <= other) continue;
      }
      sip::Wire wire{.time = m.time,
                     .src = m.sent ? local : m.peer,
                     .dst = m.sent ? m.peer : local,
                     .transport = m.transport,
                     .incomplete = incomplete,
                     .engine_view = true};
      result_.seen.push_back(sip::WireMessage{wire, std::move(msg)});
    }
  }
}

bool Run::register_roles() {
  std::vector<Registering> regs;
  for (Role& r : roles_) {
    if (!registers_first(sc_, r.id, *r.tb)) continue;
    if (!proxy_) {
      director_->fail(r.id +
                      ": the testbed says it registers, but the ladder has no proxy to register with");
      return false;
    }
    r.agent->register_start();
    regs.push_back({r.id, r.agent.get()});
  }
  if (regs.empty()) return true;
  std::optional<std::string> error = await_registrations(
      regs, testbed_step_timeout(),
      *proxy_ + " (" + tb_.find_role(*proxy_)->address.to_string() + ")", [&] {
        if (director_->stopped() || stop_requested()) return false;
        turn(10);
        return true;
      });
  if (director_->stopped()) return false;
  if (stop_requested()) {
    director_->fail("stopped on request during registration");
    return false;
  }
  if (error) {
    director_->fail(*error);
    return false;
  }
  return true;
}

void Run::main_loop() {
  director_->start(now_ns(), *targets_);
  read_wire();
  while (true) {
    director_->fire_due(now_ns());
    turn(5);
    director_->fire_due(now_ns());
    if (stop_requested()) {
      director_->fail("stopped on request", director_->plan().waiting_for());
      break;
    }
    if (director_->over(now_ns())) break;
  }
}

void Run::teardown() {
  if (loop_) {
    std::vector<Actor*> actors;
    for (Role& r : roles_) {
      if (r.agent) actors.push_back(r.agent.get());
    }
    for (Driven& x : drivers_) actors.push_back(x.actor.get());
    for (Actor* a : actors) a->begin_teardown();
    // Each actor keeps its own deadlines (the agents': 2 s to un-register, 5 s to shut down);
    // this one only bounds an actor that keeps none.
    core::TimeNs deadline = now_ns() + 8000 * kMs;
    while (now_ns() < deadline) {
      bool all = true;
      for (Actor* a : actors) all = a->teardown_step() && all;  // every actor, every turn
      if (all) break;
      turn(10);
    }
    read_wire();
    take_events();  // the last ones came in the turn that ended the teardown
    if (director_) director_->take_actor_errors();
  }
  pollers_.clear();
  drivers_.clear();
  roles_.clear();
  loop_.reset();
}

}  // namespace

std::expected<EngineResult, std::string> play(const scenario::Scenario& scenario,
                                              const scenario::Testbed& testbed,
                                              const EngineOptions& options) {
  Run run(scenario, testbed, options);
  return run.go();
}

}  // namespace ladder::engine
