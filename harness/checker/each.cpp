#include "checker/each.h"

#include "checker/context.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

namespace ladder::checker {
namespace {

// The set-up time and each step's latency after its trigger, of one checked call. Set-up: from
// the call's first step to the first 2xx to an INVITE that reaches the first step's sender (the
// caller), or to any such 2xx when none reaches it.
void add_timings(const scenario::Scenario& sc, const Verdict& v, EachSummary& summary) {
  std::vector<const StepResult*> by_step(sc.steps.size(), nullptr);
  const StepResult* first = nullptr;
  for (const StepResult& r : v.steps) {
    if (!r.message || r.step >= by_step.size()) continue;
    by_step[r.step] = &r;
    if (first == nullptr || r.time < first->time) first = &r;
  }
  if (first == nullptr) return;
  const std::string& caller = sc.steps[first->step].from;
  const StepResult* answered = nullptr;  // to the caller
  const StepResult* any = nullptr;
  for (const StepResult* r : by_step) {
    if (r == nullptr) continue;
    const scenario::Step& st = sc.steps[r->step];
    if (!st.is_request() && st.status >= 200 && st.status < 300 && st.answers &&
        sc.steps[*st.answers].method == "INVITE" && r->time >= first->time) {
      if (st.to == caller && (answered == nullptr || r->time < answered->time)) answered = r;
      if (any == nullptr || r->time < any->time) any = r;
    }
    if (st.trigger && by_step[*st.trigger] != nullptr && r->time >= by_step[*st.trigger]->time) {
      summary.latency_by_step[st.id].add(r->time - by_step[*st.trigger]->time);
    }
  }
  if (answered == nullptr) answered = any;
  if (answered != nullptr) summary.setup.add(answered->time - first->time);
}

}  // namespace

void Histogram::add(core::TimeNs d) {
  if (counts.empty()) counts.assign(kBins, 0);
  std::size_t bin = 0;
  while (bin + 1 < kBins && lower(bin + 1) <= d) ++bin;
  ++counts[bin];
  min = total == 0 ? d : std::min(min, d);
  max = total == 0 ? d : std::max(max, d);
  sum += d;
  ++total;
}

void Histogram::merge(const Histogram& o) {
  if (o.total == 0) return;
  if (counts.empty()) counts.assign(kBins, 0);
  for (std::size_t b = 0; b < kBins && b < o.counts.size(); ++b) counts[b] += o.counts[b];
  min = total == 0 ? o.min : std::min(min, o.min);
  max = total == 0 ? o.max : std::max(max, o.max);
  sum += o.sum;
  total += o.total;
}

core::TimeNs Histogram::lower(std::size_t bin) {
  if (bin == 0) return 0;
  return static_cast<core::TimeNs>(std::pow(10.0, 3.0 + static_cast<double>(bin) / kPerDecade));
}

core::TimeNs Histogram::percentile(double q) const {
  if (total == 0 || counts.empty()) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value wanted, 1-based (nearest-rank definition).
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank <= 1) return min;
  if (rank >= total) return max;
  std::uint64_t seen = 0;
  std::size_t bin = 0;
  for (; bin + 1 < counts.size(); ++bin) {
    seen += counts[bin];
    if (seen >= rank) break;
  }
  // Bin 0 starts at 0 and the last has no end: their known bound is min, resp. max.
  double lo = bin == 0 ? static_cast<double>(min) : static_cast<double>(lower(bin));
  double hi = bin + 1 >= kBins ? static_cast<double>(max) : static_cast<double>(lower(bin + 1));
  double mid = lo > 0 ? std::sqrt(lo * hi) : hi / 2;
  return std::clamp(static_cast<core::TimeNs>(std::llround(mid)), min, max);
}

namespace {

// What completes a call: per (from, to, label) key, how many non-optional steps need it. Roles
// are numbered by their place in the scenario (account() runs for every message).
struct Need {
  int from, to;
  bool request;
  std::string method;
  int status;
  int count;
};

struct Call {
  std::vector<sip::WireMessage> messages;
  std::vector<int> have;            // per Need
  std::vector<std::uint64_t> seen;  // transmissions taken, so retransmissions complete nothing
  core::TimeNs last = 0;
  std::uint64_t first = 0;  // arrival of its first message
};

// A Call-ID with its hash, computed once per message and reused by every table it is looked up
// in (std::hash over a 40-byte Call-ID cost more than the lookups themselves).
struct CallKey {
  std::string_view id;
  std::size_t hash;
  explicit CallKey(std::string_view i) : id(i), hash(std::hash<std::string_view>{}(i)) {}
};
struct OpenKey {
  std::string id;
  std::size_t hash;
};
struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(const OpenKey& k) const noexcept { return k.hash; }
  std::size_t operator()(const CallKey& k) const noexcept { return k.hash; }
};
struct KeyEqual {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const noexcept {
    return a.hash == b.hash && std::string_view(a.id) == std::string_view(b.id);
  }
};

// An open call in the idle queue: a min-heap on (last, first). `last` may be stale (the call
// has had messages since it was queued); such an entry goes back in with the call's real time.
struct Idle {
  core::TimeNs last;
  std::uint64_t first;
  OpenKey key;
};
struct LaterIdle {  // std::push_heap keeps the greatest on top; the oldest is wanted
  bool operator()(const Idle& a, const Idle& b) const {
    return std::tie(a.last, a.first) > std::tie(b.last, b.first);
  }
};

}  // namespace

bool groupable_by_call_id(const scenario::Scenario& sc) {
  std::string label;
  for (const scenario::Step& s : sc.steps) {
    if (!s.dialog) continue;
    if (!label.empty() && *s.dialog != label) return false;
    label = *s.dialog;
  }
  return true;
}

struct EachChecker::Impl {
  const scenario::Scenario& scenario;
  EachOptions options;
  std::string_view call_of(std::string_view call_id) const {
    return options.call_of ? options.call_of(call_id) : call_id;
  }
  Share share;
  EachSummary summary;
  std::vector<Need> needs;
  bool roles_known = false;
  std::uint64_t arrivals = 0;  // messages added so far, of every share
  std::unordered_map<core::Endpoint, int, core::EndpointHash> role_cache;  // -1: no role
  std::unordered_map<OpenKey, Call, KeyHash, KeyEqual> open;
  std::vector<Idle> idle_queue;            // heap, LaterIdle
  std::unordered_set<std::uint64_t> done;  // hashes of checked Call-IDs
  // Before the roles are known (inferred from the first call): every message, with its arrival.
  std::vector<std::pair<std::uint64_t, sip::WireMessage>> pending;

  // The options every call is checked with, fixed once the roles are known; and those of calls
  // with users of their own (EachOptions::users_of), made once per set of users.
  CheckOptions per_call;
  bool per_call_ready = false;
  std::map<const std::map<std::string, std::string, std::less<>>*, CheckOptions> per_users;

  const CheckOptions& options_for(std::string_view call_id) {
    if (!options.users_of) return per_call;
    const auto* users = options.users_of(call_id);
    if (users == nullptr) return per_call;
    auto [it, made] = per_users.try_emplace(users);
    if (made) {
      it->second = per_call;
      for (const auto& [role, user] : *users) it->second.bindings.roles[role]["user"] = user;
    }
    return it->second;
  }

  Impl(const scenario::Scenario& sc, EachOptions o, Share s)
      : scenario(sc), options(std::move(o)), share(s) {
    for (const scenario::Role& r : sc.roles) role_ids.push_back(r.id);
    for (const scenario::Step& st : sc.steps) {
      if (st.optional) continue;
      int from = role_number(st.from), to = role_number(st.to);
      bool found = false;
      for (Need& n : needs) {
        if (n.from == from && n.to == to && n.request == st.is_request() && n.method == st.method &&
            n.status == st.status) {
          ++n.count;
          found = true;
        }
      }
      if (!found) needs.push_back({from, to, st.is_request(), st.method, st.status, 1});
    }
    summary.roles = options.check.roles;
    roles_known = true;
    for (const scenario::Role& r : sc.roles) roles_known &= summary.roles.roles.count(r.id) > 0;
  }

  bool mine(std::size_t call_hash) const {
    return share.count <= 1 || call_hash % share.count == share.index;
  }

  // Role ids by number: the scenario's, then any other the role map names (a testbed's).
  std::vector<std::string> role_ids;
  int role_number(const std::string& id) {
    auto it = std::find(role_ids.begin(), role_ids.end(), id);
    if (it == role_ids.end()) it = role_ids.insert(role_ids.end(), id);
    return static_cast<int>(it - role_ids.begin());
  }

  int role(const core::Endpoint& e) {
    auto it = role_cache.find(e);
    if (it != role_cache.end()) return it->second;
    std::optional<std::string> id = summary.roles.role_of(e);
    return role_cache.emplace(e, id ? role_number(*id) : -1).first->second;
  }

  // Marks which needs a message meets; true when the call is complete.
  bool account(Call& call, const sip::WireMessage& o, int from, int to) {
    std::uint64_t key = hop_key(o);
    if (std::find(call.seen.begin(), call.seen.end(), key) != call.seen.end()) {
      ++summary.retransmissions;
      return false;
    }
    call.seen.push_back(key);
    const sip::Summary& s = o.message.summary();
    bool complete = true;
    for (std::size_t i = 0; i < needs.size(); ++i) {
      const Need& n = needs[i];
      if (n.from == from && n.to == to && n.request == s.is_request &&
          (n.request ? s.method == n.method : s.status == n.status)) {
        ++call.have[i];
      }
      complete &= call.have[i] >= n.count;
    }
    return complete;
  }

  void check_call(const OpenKey& key, Call& call, const CheckedAt& at) {
    if (!per_call_ready) {
      per_call = options.check;
      per_call.roles = summary.roles;
      add_role_bindings(per_call.roles, per_call.bindings);
      per_call_ready = true;
    }
    done.insert(key.hash);
    // A Call-ID of tolerated transactions only (the testbed's own registrations, REGISTER
    // refreshes, an un-REGISTER at the end) is no instance of the ladder: not a call.
    const auto& tolerated = options.check.tolerated_methods;
    bool noise = !tolerated.empty() &&
                 std::all_of(call.messages.begin(), call.messages.end(), [&](const auto& o) {
                   std::string_view m = o.message.summary().cseq_method;
                   return std::find(tolerated.begin(), tolerated.end(), m) != tolerated.end();
                 });
    if (noise) {
      for (sip::WireMessage& o : call.messages) {
        if (spare.size() < kSpare) spare.push_back(std::move(o.message).release());
      }
      return;
    }
    // Only what the ladder asserts is parsed with Sofia; the roles are bound once, above.
    std::string_view call_id =
        call.messages.empty() ? std::string_view(key.id) : call.messages.front().message.summary().call_id;
    Verdict v = check(scenario, call.messages, options_for(call_id),
                      Effort{.full_parse = false, .bindings_have_roles = true});
    add_timings(scenario, v, summary);
    bool gave_up = !v.passed && stack_gave_up_early(call);
    std::vector<KeptMessage> kept;
    std::string first_call_id;
    if (!v.passed && summary.first_failed.size() < options.keep_failed) {
      first_call_id = std::string(call.messages.empty()
                                      ? key.id
                                      : call.messages.front().message.summary().call_id);
      for (const sip::WireMessage& o : call.messages) {
        kept.push_back({static_cast<const sip::Wire&>(o), std::string(o.message.bytes())});
      }
    }
    for (sip::WireMessage& o : call.messages) {
      if (spare.size() < kSpare) spare.push_back(std::move(o.message).release());
    }
    ++summary.calls;
    if (v.passed) {
      ++summary.passed;
      return;
    }
    bool only_missing = true, played_step = false;
    for (const Failure& f : v.failures) {
      if (!is_root(f)) continue;
      only_missing &= f.kind == core::FailureKind::missing;
      played_step = played_step || sent_by_played(f.step);
    }
    // A capture that lost packets may have lost these messages, and a harness that fell behind
    // may have botched its own steps: unknown, never passed.
    bool own_fault = gave_up || (options.harness_behind && options.harness_behind());
    bool unknown = (only_missing && options.capture_lost && options.capture_lost()) ||
                   (played_step && own_fault);
    if (unknown && played_step && gave_up) ++summary.harness_gave_up;
    ++(unknown ? summary.unknown : summary.failed);
    auto& by_step = unknown ? summary.unknown_by_step : summary.failures_by_step;
    for (const Failure& f : v.failures) {  // root failures only: consequences are not causes
      if (is_root(f)) ++by_step[(f.step.empty() ? "-" : f.step) + " " +
                                std::string(core::to_string(f.kind))];
    }
    if (unknown) return;
    if (summary.first_failed.size() < options.keep_failed) {
      summary.first_failed.push_back({std::move(first_call_id), std::move(v), at, std::move(kept)});
    }
  }

  // Whether a played role's own stack hung up for want of an ACK sooner than it waits for one
  // (EachOptions::played_ack_wait): its BYE with Sofia-SIP's "ACK Timeout" reason, less than
  // that after the first 2xx to an INVITE it sent.
  bool stack_gave_up_early(const Call& call) {
    if (options.played_ack_wait <= 0 || options.played.empty()) return false;
    std::vector<std::pair<core::Endpoint, core::TimeNs>> answered;  // each role's first 2xx
    for (const sip::WireMessage& o : call.messages) {
      int r = role(o.src);
      if (r < 0 || !options.played.contains(role_ids[static_cast<std::size_t>(r)])) continue;
      const sip::Summary& s = o.message.summary();
      auto at = std::find_if(answered.begin(), answered.end(),
                             [&](const auto& a) { return a.first == o.src; });
      if (!s.is_request && s.status >= 200 && s.status < 300 && s.cseq_method == "INVITE") {
        if (at == answered.end()) answered.emplace_back(o.src, o.time);
      } else if (s.is_request && s.method == "BYE" && at != answered.end() &&
                 o.time - at->second < options.played_ack_wait) {
        auto reason = o.message.header_view("Reason");
        if (reason && reason->find("ACK Timeout") != std::string_view::npos) return true;
      }
    }
    return false;
  }

  // Whether step `id` is sent by a role the harness plays (EachOptions::played).
  bool sent_by_played(std::string_view id) const {
    if (options.played.empty()) return false;
    auto i = scenario.find_step(id);
    return i && options.played.contains(scenario.steps[*i].from);
  }

  template <typename It>
  void close(It it, const CheckedAt& at) {
    check_call(it->first, it->second, at);
    open.erase(it);
  }

  // Checks the calls whose last message is more than `idle` before `now`, oldest first.
  void sweep(core::TimeNs now, std::uint64_t arrival) {
    while (!idle_queue.empty() && now - idle_queue.front().last > options.idle) {
      std::pop_heap(idle_queue.begin(), idle_queue.end(), LaterIdle{});
      Idle e = std::move(idle_queue.back());
      idle_queue.pop_back();
      auto it = open.find(e.key);
      if (it == open.end()) continue;   // checked already
      if (it->second.last != e.last) {  // had messages since: back in with its real time
        e.last = it->second.last;
        idle_queue.push_back(std::move(e));
        std::push_heap(idle_queue.begin(), idle_queue.end(), LaterIdle{});
        continue;
      }
      close(it, {arrival, 1, e.last, e.first});
    }
  }

  // A message of this share, roles known.
  void take(sip::WireMessage&& o, const CallKey& key, std::uint64_t arrival) {
    ++summary.messages;
    int from = role(o.src), to = role(o.dst);
    if (from < 0 || to < 0) {
      ++summary.outside_roles;
      return;
    }
    auto it = open.find(key);
    if (it == open.end()) {
      if (done.count(key.hash)) {
        ++summary.late;
        return;
      }
      it = open.emplace(OpenKey{std::string(key.id), key.hash}, Call{}).first;
      Call& c = it->second;
      c.have.assign(needs.size(), 0);
      c.messages.reserve(scenario.steps.size() + 2);  // no moves while it fills
      c.seen.reserve(scenario.steps.size() + 2);
      c.first = arrival;
      idle_queue.push_back({o.time, arrival, it->first});
      std::push_heap(idle_queue.begin(), idle_queue.end(), LaterIdle{});
    }
    Call& call = it->second;
    call.last = o.time;
    bool complete = account(call, o, from, to);
    call.messages.push_back(std::move(o));
    if (complete) close(it, {arrival, 0, 0, 0});
  }

  // Every message passes here once the roles are known, in capture order.
  void arrive(sip::WireMessage&& o, std::uint64_t arrival) {
    core::TimeNs now = o.time;
    CallKey key(call_of(o.message.summary().call_id));
    if (mine(key.hash)) take(std::move(o), key, arrival);
    sweep(now, arrival);
  }

  // Roles not given: infer them from the first call, as the plain check does, then go on.
  // Every share infers the same roles from the same first call. Held back until then: every
  // message, counted as it comes (the first call's own messages apart).
  void infer_from_pending() {
    std::vector<sip::WireMessage> sample;
    for (const auto& [arrival, o] : pending) {
      if (call_of(o.message.summary().call_id) == first_call) {
        sample.push_back(o.copy());
      }
    }
    Verdict v = check(scenario, sample, options.check);
    summary.roles = v.roles;
    for (const std::string& n : v.notes) {
      if (n.starts_with("roles inferred")) summary.notes.push_back(n + " (from the first call)");
    }
    roles_known = true;
    auto backlog = std::move(pending);
    pending.clear();
    for (auto& [arrival, o] : backlog) arrive(std::move(o), arrival);
  }

  // The first call is sampled when it has a message per step, or has gone idle, or so many
  // messages have waited that memory would grow with the capture (a first call that never
  // completes must not hold back, or be rescanned for, every message after it).
  static constexpr std::size_t kMaxPending = 20'000;
  std::string first_call;
  std::size_t first_call_messages = 0;
  core::TimeNs first_time = 0;

  void add(sip::WireMessage&& o) {
    std::uint64_t arrival = arrivals++;
    if (roles_known) return arrive(std::move(o), arrival);
    std::string_view cid = call_of(o.message.summary().call_id);
    core::TimeNs now = o.time;
    if (pending.empty()) {
      first_call = cid;
      first_time = now;
    }
    if (cid == first_call) ++first_call_messages;
    pending.emplace_back(arrival, std::move(o));
    if (first_call_messages >= scenario.steps.size() || now - first_time > options.idle ||
        pending.size() >= kMaxPending) {
      infer_from_pending();
    }
  }

  // Memory of checked calls' messages, for the next ones: two allocations and frees fewer per
  // message, a tenth of a bulk check's time when glibc's per-thread cache runs dry.
  static constexpr std::size_t kSpare = 256;
  std::vector<sip::Message::Buffers> spare;

  sip::Message message(std::string_view bytes) {
    if (spare.empty()) return sip::Message(std::string(bytes));
    sip::Message m(bytes, std::move(spare.back()));
    spare.pop_back();
    return m;
  }

  void add(const sip::WireBytes& a) {
    auto observed = [this, &a] {
      return sip::WireMessage{static_cast<const sip::Wire&>(a), message(a.bytes)};
    };
    if (!roles_known || share.count <= 1) return add(observed());
    // Most messages are another share's: find their Call-ID without parsing them.
    std::uint64_t arrival = arrivals++;
    CallKey key(call_of(sip::call_id_of(a.bytes)));
    if (mine(key.hash)) take(observed(), key, arrival);  // key views a.bytes: valid here
    sweep(a.time, arrival);
  }

  void finish() {
    if (!roles_known) infer_from_pending();
    // Check what is left in order of first appearance, so "first failed" means first in time.
    std::vector<std::pair<std::uint64_t, OpenKey>> left;
    for (const auto& [key, call] : open) left.emplace_back(call.first, key);
    std::sort(left.begin(), left.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [first, key] : left) {
      close(open.find(key), {std::numeric_limits<std::uint64_t>::max(), 2, 0, first});
    }
  }
};

namespace {

// Sums the shares' counts; keeps the first failed calls of all, in the order they were checked.
EachSummary merge(std::vector<EachSummary> parts, std::size_t keep_failed) {
  EachSummary all = std::move(parts.front());
  for (std::size_t i = 1; i < parts.size(); ++i) {
    EachSummary& p = parts[i];
    all.calls += p.calls;
    all.passed += p.passed;
    all.failed += p.failed;
    all.unknown += p.unknown;
    all.harness_gave_up += p.harness_gave_up;
    all.messages += p.messages;
    all.retransmissions += p.retransmissions;
    all.outside_roles += p.outside_roles;
    all.late += p.late;
    for (const auto& [what, n] : p.failures_by_step) all.failures_by_step[what] += n;
    for (const auto& [what, n] : p.unknown_by_step) all.unknown_by_step[what] += n;
    all.setup.merge(p.setup);
    for (const auto& [step, h] : p.latency_by_step) all.latency_by_step[step].merge(h);
    for (FailedCall& f : p.first_failed) all.first_failed.push_back(std::move(f));
  }
  std::stable_sort(all.first_failed.begin(), all.first_failed.end(),
                   [](const FailedCall& a, const FailedCall& b) { return a.at < b.at; });
  if (all.first_failed.size() > keep_failed) {
    all.first_failed.erase(all.first_failed.begin() + static_cast<std::ptrdiff_t>(keep_failed),
                           all.first_failed.end());
  }
  return all;
}

}  // namespace

EachChecker::EachChecker(const scenario::Scenario& scenario, EachOptions options, Share share)
    : impl_(std::make_unique<Impl>(scenario, std::move(options), share)) {}
EachChecker::~EachChecker() = default;
EachChecker::EachChecker(EachChecker&&) noexcept = default;
EachChecker& EachChecker::operator=(EachChecker&&) noexcept = default;
void EachChecker::add(sip::WireMessage message) { impl_->add(std::move(message)); }
void EachChecker::add(const sip::WireBytes& message) { impl_->add(message); }
void EachChecker::finish() { impl_->finish(); }
const EachSummary& EachChecker::summary() const { return impl_->summary; }
std::size_t EachChecker::open_calls() const { return impl_->open.size(); }

EachSummary check_each(const scenario::Scenario& scenario, const EachOptions& options,
                       unsigned jobs, const Reader& read) {
  jobs = std::max(jobs, 1u);
  std::vector<EachSummary> parts(jobs);
  std::vector<std::exception_ptr> errors(jobs);
  auto run = [&](unsigned job) {
    try {
      EachChecker each(scenario, options, {job, jobs});
      read(job, [&each](const sip::WireBytes& a) { each.add(a); });
      each.finish();
      parts[job] = each.summary();
    } catch (...) {
      errors[job] = std::current_exception();
    }
  };
  {
    std::vector<std::jthread> threads;
    for (unsigned job = 1; job < jobs; ++job) threads.emplace_back(run, job);
    run(0);
  }  // joined
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  return merge(std::move(parts), options.keep_failed);
}

}  // namespace ladder::checker
