// play(): the loop. Agents (one nua each) on one su_root in this thread; after every turn the
// transport dumps are read back, matched to steps (Plan), and due actions are fired.
#include "engine/engine.h"

#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "engine/agent.h"
#include "engine/plan.h"
#include "engine/sdp.h"
#include "engine/sofia.h"  // first: magic types
#include "engine/targets.h"
#include "engine/wire_log.h"

namespace ladder::engine {

struct PollerSlot {
  std::function<void()> on_readable;
  su_wait_t wait{};
  int index = -1;
};

namespace {

using scenario::PlayedBy;
constexpr core::TimeNs kMs = 1'000'000;

int poller_wakeup(su_root_magic_t*, su_wait_t*, PollerSlot* slot) noexcept {
  try {
    if (slot != nullptr && slot->on_readable) slot->on_readable();
  } catch (...) {
    // A poller that throws must not unwind through Sofia's C frames.
  }
  return 0;
}

/// A private directory for the transport dumps, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ladder-engine-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty() && !std::getenv("LADDER_ENGINE_KEEP_DUMPS"))
      std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string describe(const scenario::Step& s) {
  return s.id + " (" + s.label() + " " + s.from + " -> " + s.to + ")";
}

std::string uri_host(const core::Address& a) {
  return a.family == 6 ? "[" + a.to_string() + "]" : a.to_string();
}

class Run {
 public:
  Run(const scenario::Scenario& sc, const scenario::Testbed& tb, const EngineOptions& o)
      : sc_(sc), tb_(tb), opt_(o) {}
  std::expected<EngineResult, std::string> go();

 private:
  std::expected<void, std::string> setup();
  bool wait_bound();
  bool register_roles();
  void main_loop();
  void teardown();
  void turn(int ms);
  void read_wire();
  void fire_due();
  bool fire(std::size_t step);
  core::TimeNs timeout_of(std::size_t step) const;
  void fail(std::string msg, std::optional<std::size_t> step = std::nullopt) {
    result_.errors.push_back(std::move(msg));
    if (step && !result_.stuck_step) result_.stuck_step = step;
    stop_ = true;
  }
  bool stop_requested() const { return opt_.stop_requested && opt_.stop_requested(); }
  std::optional<std::string> secret(const std::string& name) const {
    if (opt_.getenv) return opt_.getenv(name);
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }

  const scenario::Scenario& sc_;
  const scenario::Testbed& tb_;
  const EngineOptions& opt_;
  EngineResult result_;
  TempDir dir_;
  std::unique_ptr<SuLibrary> su_;
  SuRoot root_;
  std::vector<std::unique_ptr<PollerSlot>> pollers_;
  struct Role {
    std::string id;
    const scenario::TestbedRole* tb = nullptr;
    std::unique_ptr<Agent> agent;
    std::unique_ptr<DumpTail> dump;
    std::uint16_t media_port = 0;
  };
  std::vector<Role> roles_;  ///< played roles
  std::optional<std::string> proxy_;
  std::optional<Plan> plan_;
  std::optional<Targets> targets_;
  bool stop_ = false;
  // Messages between two played roles appear in both dumps: keep one copy in `seen`.
  std::map<std::string, int> sent_between_played_, received_between_played_;
};

std::expected<EngineResult, std::string> Run::go() {
  if (auto r = setup(); !r) {
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
  result_.completed = result_.errors.empty() && plan_ && plan_->complete();
  return std::move(result_);
}

std::expected<void, std::string> Run::setup() {
  for (const auto& d : scenario::check_binding(sc_, tb_)) {
    if (d.severity == core::Severity::error) {
      return std::unexpected(std::string(scenario::summary_line(d)));
    }
  }
  if (dir_.path().empty()) return std::unexpected("cannot create a temporary directory");
  std::set<std::string, std::less<>> played;
  for (const auto& r : sc_.roles) {
    const scenario::TestbedRole* tb = tb_.find_role(r.id);
    if (tb == nullptr) continue;
    if (tb->played_by == PlayedBy::harness) {
      played.insert(r.id);
      roles_.push_back(
          {r.id, tb, nullptr, nullptr, static_cast<std::uint16_t>(40000 + 2 * roles_.size())});
    } else if (tb->played_by == PlayedBy::dut && r.kind != scenario::RoleKind::ua && !proxy_) {
      proxy_ = r.id;
    }
  }
  plan_.emplace(sc_, played);

  su_ = std::make_unique<SuLibrary>();
  if (!su_->ok()) return std::unexpected("cannot initialise Sofia-SIP (su_init failed)");
  root_.reset(su_root_create(nullptr));
  if (!root_) return std::unexpected("cannot create the Sofia-SIP event loop (su_root_create)");
  su_root_threading(root_.get(), 0);

  for (const Poller& p : opt_.pollers) {
    auto slot = std::make_unique<PollerSlot>();
    slot->on_readable = p.on_readable;
    if (su_wait_create(&slot->wait, p.fd, SU_WAIT_IN) != 0) {
      return std::unexpected("cannot watch file descriptor " + std::to_string(p.fd));
    }
    slot->index = su_root_register(root_.get(), &slot->wait, poller_wakeup, slot.get(), 0);
    if (slot->index < 0) {
      return std::unexpected("cannot watch file descriptor " + std::to_string(p.fd));
    }
    pollers_.push_back(std::move(slot));
  }

  // Identity needs the proxy's domain; ports are filled in after binding.
  scenario::Bindings pre = scenario::bindings_from(tb_);
  Targets pre_targets(sc_, tb_, pre, proxy_);
  const scenario::TestbedRole* p = proxy_ ? tb_.find_role(*proxy_) : nullptr;
  for (Role& r : roles_) {
    AgentConfig c;
    c.role = r.id;
    c.user = r.tb->user;
    c.bind = r.tb->address;
    c.transport = r.tb->transport;
    if (p != nullptr) {
      c.proxy = "sip:" + p->address.to_string();
      if (r.tb->transport == core::Transport::tcp) *c.proxy += ";transport=tcp";
    }
    c.aor = pre_targets.aor(r.id);
    c.registrar = pre_targets.registrar();
    if (r.tb->password_env) {
      c.password_env = *r.tb->password_env;
      c.password = secret(*r.tb->password_env);
    }
    c.dump_path = dir_.path() + "/" + r.id + ".dump";
    r.dump = std::make_unique<DumpTail>(c.dump_path);
    auto a = Agent::create(root_.get(), std::move(c));
    if (!a) return std::unexpected(a.error());
    r.agent = std::move(*a);
  }
  return {};
}

bool Run::wait_bound() {
  core::TimeNs deadline = now_ns() + 2000 * kMs;
  auto all = [&] {
    return std::all_of(roles_.begin(), roles_.end(),
                       [](const Role& r) { return r.agent->bound().has_value(); });
  };
  while (!all() && now_ns() < deadline) su_root_step(root_.get(), 10);
  if (!all()) return false;
  result_.roles = scenario::RoleMap::from_testbed(tb_);
  result_.bindings = scenario::bindings_from(tb_);
  for (const Role& r : roles_) {
    const core::Endpoint& e = *r.agent->bound();
    result_.roles.roles[r.id] = {scenario::RoleAddress{e.address, e.port}};
    auto& attrs = result_.bindings.roles[r.id];
    attrs["host"] = uri_host(e.address);
    attrs["port"] = std::to_string(e.port);
    attrs["address"] = e.to_string();
  }
  targets_.emplace(sc_, tb_, result_.bindings, proxy_);
  return true;
}

core::TimeNs Run::timeout_of(std::size_t i) const {
  const scenario::Step& s = sc_.steps[i];
  if (s.timeout) return s.timeout->count() * 1000;
  if (sc_.policy.step_timeout) return sc_.policy.step_timeout->count() * 1000;
  if (tb_.timeouts.step) return tb_.timeouts.step->count() * 1000;
  return static_cast<core::TimeNs>(opt_.step_timeout.count()) * kMs;
}

void Run::turn(int ms) {
  su_root_step(root_.get(), ms);
  read_wire();
  for (Role& r : roles_) {
    if (!r.agent) continue;
    for (std::string& e : r.agent->take_errors()) result_.errors.push_back(std::move(e));
    if (r.agent->fatal()) stop_ = true;
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
      if (plan_ && plan_->started()) {
        if (auto step = plan_->observe(r.id, m.sent, msg, m.time)) {
          StepKind k = plan_->kind(*step);
          result_.played.push_back(
              {*step, m.time, k == StepKind::action || k == StepKind::automatic});
        }
      }
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
  std::vector<Role*> regs;
  for (Role& r : roles_) {
    if (!r.tb->registers) continue;
    bool scripted = std::any_of(sc_.steps.begin(), sc_.steps.end(), [&](const auto& s) {
      return s.from == r.id && s.is_request() && s.method == "REGISTER";
    });
    if (scripted) continue;
    if (!proxy_) {
      fail(r.id + ": the testbed says it registers, but the ladder has no proxy to register with");
      return false;
    }
    r.agent->register_start();
    regs.push_back(&r);
  }
  core::TimeNs timeout = tb_.timeouts.step
                             ? tb_.timeouts.step->count() * 1000
                             : static_cast<core::TimeNs>(opt_.step_timeout.count()) * kMs;
  core::TimeNs deadline = now_ns() + timeout;
  auto done = [&] {
    return std::all_of(regs.begin(), regs.end(), [](Role* r) {
      const HandleInfo* h = r->agent->registration();
      return h != nullptr && h->register_status >= 200;
    });
  };
  while (!stop_ && !done() && now_ns() < deadline && !stop_requested()) turn(10);
  if (stop_) return false;
  if (stop_requested()) {
    fail("stopped on request during registration");
    return false;
  }
  for (Role* r : regs) {
    const HandleInfo* h = r->agent->registration();
    if (h == nullptr || h->register_status == 0) {
      fail(r->id + ": no final answer to REGISTER from " + *proxy_ + " (" +
           tb_.find_role(*proxy_)->address.to_string() + ") within " +
           scenario::format_duration(scenario::Duration(timeout / 1000)));
      return false;
    }
  }
  return true;
}

void Run::main_loop() {
  plan_->start(now_ns());
  core::TimeNs run_timeout = tb_.timeouts.scenario
                                 ? tb_.timeouts.scenario->count() * 1000
                                 : static_cast<core::TimeNs>(plan_->size() + 2) * timeout_of(0);
  core::TimeNs run_deadline = now_ns() + run_timeout;
  std::optional<core::TimeNs> linger_until;
  read_wire();
  while (!stop_) {
    fire_due();
    turn(5);
    fire_due();
    core::TimeNs now = now_ns();
    if (stop_requested()) {
      fail("stopped on request", plan_->waiting_for());
      break;
    }
    if (!linger_until && plan_->complete()) {
      linger_until = now + static_cast<core::TimeNs>(opt_.linger.count()) * kMs;
    }
    if (linger_until) {
      if (now >= *linger_until) break;
      continue;
    }
    if (auto late = plan_->overdue(now, [&](std::size_t i) { return timeout_of(i); })) {
      const scenario::Step& s = sc_.steps[*late];
      std::string within =
          " within " + scenario::format_duration(scenario::Duration(timeout_of(*late) / 1000));
      const StepState& st = plan_->state(*late);
      switch (plan_->kind(*late)) {
        case StepKind::expect:
          fail(s.to + " never received " + describe(s) + within, late);
          break;
        case StepKind::action:
          if (!st.fired && !st.not_ready.empty()) {
            fail(s.from + " could not send " + describe(s) + within + ": " + st.not_ready, late);
          } else {
            fail(s.from + " never sent " + describe(s) + within, late);
          }
          break;
        default:
          fail(s.from + "'s SIP stack never sent " + describe(s) + within, late);
          break;
      }
      break;
    }
    if (now >= run_deadline) {
      auto w = plan_->waiting_for();
      fail("the scenario did not finish within " +
               scenario::format_duration(scenario::Duration(run_timeout / 1000)) +
               (w ? "; waiting for " + describe(sc_.steps[*w]) : std::string()),
           w);
      break;
    }
  }
}

void Run::fire_due() {
  if (stop_) return;
  for (std::size_t i : plan_->due()) {
    if (fire(i)) plan_->mark_fired(i, now_ns());
  }
}

bool Run::fire(std::size_t i) {
  const scenario::Step& s = sc_.steps[i];
  auto it =
      std::find_if(roles_.begin(), roles_.end(), [&](const Role& r) { return r.id == s.from; });
  if (it == roles_.end()) return false;
  Role& role = *it;
  Agent& a = *role.agent;
  const Targets& t = *targets_;
  StepState& st = plan_->state(i);
  SendParams p;
  p.headers = t.headers(i);
  std::optional<std::string> preset = t.sdp_preset(i);
  if (auto b = t.body(i); b && !preset) {
    p.content_type = b->first;
    p.body = b->second;
  }
  const core::Address& addr = a.bound()->address;
  Outcome out;
  if (s.is_request()) {
    std::string label = s.dialog.value_or("");
    HandleInfo* h = nullptr;
    if (s.method == "CANCEL" && label.empty()) {
      for (std::size_t j = i; j-- > 0;) {
        const auto& prev = sc_.steps[j];
        if (prev.from == s.from && prev.is_request() && prev.method == "INVITE") {
          label = prev.dialog.value_or("");
          break;
        }
      }
    }
    if (!label.empty()) {
      h = a.find_label(label);
      if (h == nullptr) {
        if (auto cid = plan_->call_id(s.from, label)) h = a.find_call(*cid);
      }
    }
    if (s.method == "INVITE") {
      std::uint32_t version = h != nullptr ? h->sdp_version + 1 : 1;
      if (p.content_type.empty()) {
        p.content_type = "application/sdp";
        p.body = make_sdp(preset.value_or("offer"), addr, version, role.media_port);
      }
      std::string referred_by;
      if (h == nullptr) {
        if (HandleInfo* r = a.find_refer()) referred_by = r->referred_by;
      }
      out = a.invite(h, label, t.request_uri(i), p, referred_by);
    } else {
      if (preset) {
        p.content_type = "application/sdp";
        p.body = make_sdp(*preset, addr, h != nullptr ? h->sdp_version + 1 : 1, role.media_port);
        if (h != nullptr) ++h->sdp_version;
      }
      std::string uri =
          s.method == "REGISTER"
              ? (s.request_uri && !s.request_uri->match.empty() ? t.request_uri(i) : std::string())
              : t.request_uri(i);
      std::string refer_to = s.method == "REFER" ? t.refer_to(i) : std::string();
      out = a.request(s.method, h, label, uri, p, refer_to,
                      s.method == "NOTIFY" && t.notify_terminated(i));
    }
  } else {
    const scenario::Step& req = sc_.steps[*s.answers];
    const StepState& rs = plan_->state(*s.answers);
    HandleInfo* h = rs.satisfied ? a.find_call(rs.call_id) : nullptr;
    if (h != nullptr && req.method == "INVITE" && s.status >= 200 && s.status < 300 &&
        p.content_type.empty()) {
      p.content_type = "application/sdp";
      // Answer the offer in the request this response answers (from the wire); nua's copy of
      // the remote SDP may still be the previous offer when the trigger came from the wire log.
      std::string direction(answer_direction(rs.sdp.empty() ? h->remote_sdp : rs.sdp));
      p.body = make_sdp(preset.value_or(direction == "sendrecv" ? "answer" : direction), addr,
                        h->sdp_version, role.media_port);
    }
    std::string phrase = s.reason.value_or(
        sip_status_phrase(s.status) != nullptr ? sip_status_phrase(s.status) : "Response");
    out = a.respond(h, s.status, phrase, p);
  }
  if (!out.sent) st.not_ready = out.not_ready;
  return out.sent;
}

void Run::teardown() {
  if (root_) {
    // Un-REGISTER what was registered (extra messages the checker tolerates by policy).
    for (Role& r : roles_) {
      if (r.agent) r.agent->unregister_all();
    }
    core::TimeNs deadline = now_ns() + 2000 * kMs;
    auto unregistered = [&] {
      return std::all_of(roles_.begin(), roles_.end(),
                         [](const Role& r) { return !r.agent || r.agent->unregister_done(); });
    };
    while (!unregistered() && now_ns() < deadline) turn(10);
    // RECIPES.md: destroy handles, nua_shutdown, step until nua_r_shutdown >= 200, nua_destroy.
    for (Role& r : roles_) {
      if (r.agent) r.agent->release_handles();
    }
    for (Role& r : roles_) {
      if (r.agent) r.agent->shutdown();
    }
    deadline = now_ns() + 5000 * kMs;
    auto down = [&] {
      return std::all_of(roles_.begin(), roles_.end(),
                         [](const Role& r) { return !r.agent || r.agent->shutdown_done(); });
    };
    while (!down() && now_ns() < deadline) turn(10);
    for (Role& r : roles_) {
      if (!r.agent) continue;
      if (!r.agent->shutdown_done()) {
        result_.errors.push_back(r.id + ": the SIP stack did not shut down within 5s");
      }
      r.agent->destroy();
    }
    read_wire();
    for (auto& slot : pollers_) {
      if (slot->index >= 0) su_root_deregister(root_.get(), slot->index);
    }
  }
  roles_.clear();
  pollers_.clear();
  root_.reset();
  su_.reset();
}

}  // namespace

std::expected<EngineResult, std::string> play(const scenario::Scenario& scenario,
                                              const scenario::Testbed& testbed,
                                              const EngineOptions& options) {
  Run run(scenario, testbed, options);
  return run.go();
}

}  // namespace ladder::engine
