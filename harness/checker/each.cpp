#include "checker/each.h"

#include "checker/context.h"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <unordered_set>

namespace ladder::checker {
namespace {

using core::StringHash;

// What completes a call: per (from, to, label) key, how many non-optional steps need it.
struct Need {
  std::string from, to;
  bool request;
  std::string method;
  int status;
  int count;
};

struct Call {
  std::vector<Observed> messages;
  std::vector<int> have;            // per Need
  std::vector<std::uint64_t> seen;  // transmissions taken, so retransmissions complete nothing
  core::TimeNs last = 0;
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
  EachSummary summary;
  std::vector<Need> needs;
  bool roles_known = false;
  std::unordered_map<core::Endpoint, std::string, core::EndpointHash> role_cache;
  std::unordered_map<std::string, Call, StringHash, std::equal_to<>> open;
  std::deque<std::pair<core::TimeNs, std::string>> by_age;  // (last seen, call) for idle sweeps
  std::unordered_set<std::uint64_t> done;                   // hashes of checked Call-IDs
  std::vector<Observed> pending;  // before the roles are known (inference from the first call)

  Impl(const scenario::Scenario& sc, EachOptions o) : scenario(sc), options(std::move(o)) {
    for (const scenario::Step& s : sc.steps) {
      if (s.optional) continue;
      bool found = false;
      for (Need& n : needs) {
        if (n.from == s.from && n.to == s.to && n.request == s.is_request() &&
            n.method == s.method && n.status == s.status) {
          ++n.count;
          found = true;
        }
      }
      if (!found) needs.push_back({s.from, s.to, s.is_request(), s.method, s.status, 1});
    }
    summary.roles = options.check.roles;
    roles_known = true;
    for (const scenario::Role& r : sc.roles) roles_known &= summary.roles.roles.count(r.id) > 0;
  }

  const std::string& role(const core::Endpoint& e) {
    auto it = role_cache.find(e);
    if (it != role_cache.end()) return it->second;
    return role_cache.emplace(e, summary.roles.role_of(e).value_or("")).first->second;
  }

  // Marks which needs a message meets; true when the call is complete.
  bool account(Call& call, const Observed& o) {
    std::uint64_t key = hop_key(o);
    if (std::find(call.seen.begin(), call.seen.end(), key) != call.seen.end()) return false;
    call.seen.push_back(key);
    const std::string& from = role(o.src);
    const std::string& to = role(o.dst);
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

  // The options every call is checked with, fixed once the roles are known.
  CheckOptions per_call;
  bool per_call_ready = false;

  void check_call(const std::string& id, Call& call) {
    if (!per_call_ready) {
      per_call = options.check;
      per_call.roles = summary.roles;
      add_role_bindings(per_call.roles, per_call.bindings);
      per_call.bindings_have_roles = true;
      per_call_ready = true;
    }
    Verdict v = check(scenario, call.messages, per_call);
    ++summary.calls;
    if (v.passed) {
      ++summary.passed;
    } else {
      ++summary.failed;
      for (const Failure& f : v.failures) {
        if (!f.warning) ++summary.failures_by_step[(f.step.empty() ? "-" : f.step) + " " + f.kind];
      }
      if (summary.first_failed.size() < options.keep_failed) {
        summary.first_failed.push_back({id, std::move(v)});
      }
    }
    done.insert(std::hash<std::string_view>{}(id));
  }

  void close(const std::string& id) {
    auto it = open.find(id);
    if (it == open.end()) return;
    check_call(id, it->second);
    open.erase(it);
  }

  void sweep(core::TimeNs now) {
    while (!by_age.empty() && now - by_age.front().first > options.idle) {
      auto [seen, id] = std::move(by_age.front());
      by_age.pop_front();
      auto it = open.find(id);
      if (it != open.end() && it->second.last == seen) close(id);
    }
  }

  void take(Observed o) {
    const std::string& from = role(o.src);
    const std::string& to = role(o.dst);
    if (from.empty() || to.empty()) {
      ++summary.outside_roles;
      return;
    }
    std::string_view cid = o.message.summary().call_id;
    if (done.count(std::hash<std::string_view>{}(cid))) {
      ++summary.late;
      return;
    }
    auto it = open.find(cid);
    if (it == open.end()) {
      it = open.emplace(std::string(cid), Call{}).first;
      it->second.have.assign(needs.size(), 0);
    }
    Call& call = it->second;
    call.last = o.time;
    by_age.emplace_back(o.time, it->first);
    bool complete = account(call, o);
    core::TimeNs now = o.time;
    call.messages.push_back(std::move(o));
    if (complete) close(std::string(cid));
    sweep(now);
  }

  // Roles not given: infer them from the first call, as the plain check does, then go on.
  void infer_from_pending(bool at_end) {
    std::unordered_map<std::string_view, std::size_t> count;
    std::string_view first;
    std::size_t steps = scenario.steps.size();
    for (const Observed& o : pending) {
      std::string_view cid = o.message.summary().call_id;
      if (first.empty()) first = cid;
      ++count[cid];
    }
    if (!at_end && (first.empty() || count[first] < steps)) return;
    std::vector<Observed> sample;
    for (const Observed& o : pending) {
      if (o.message.summary().call_id == first) {
        sample.push_back({o.frame, o.time, o.src, o.dst, o.transport,
                          sip::Message(std::string(o.message.bytes())), o.incomplete});
      }
    }
    Verdict v = check(scenario, sample, options.check);
    summary.roles = v.roles;
    for (const std::string& n : v.notes) {
      if (n.starts_with("roles inferred")) summary.notes.push_back(n + " (from the first call)");
    }
    roles_known = true;
    std::vector<Observed> backlog = std::move(pending);
    pending.clear();
    for (Observed& o : backlog) take(std::move(o));
  }

  void add(Observed o) {
    ++summary.messages;
    if (roles_known) return take(std::move(o));
    pending.push_back(std::move(o));
    infer_from_pending(false);
  }

  void finish() {
    if (!roles_known) infer_from_pending(true);
    std::vector<std::string> ids;
    for (const auto& [id, call] : open) ids.push_back(id);
    // Check what is left in order of first appearance, so "first failed" means first in time.
    std::sort(ids.begin(), ids.end(), [this](const std::string& a, const std::string& b) {
      return open.at(a).messages.front().frame < open.at(b).messages.front().frame;
    });
    for (const std::string& id : ids) close(id);
  }
};

EachChecker::EachChecker(const scenario::Scenario& scenario, EachOptions options)
    : impl_(std::make_unique<Impl>(scenario, std::move(options))) {}
EachChecker::~EachChecker() = default;
EachChecker::EachChecker(EachChecker&&) noexcept = default;
EachChecker& EachChecker::operator=(EachChecker&&) noexcept = default;
void EachChecker::add(Observed message) { impl_->add(std::move(message)); }
void EachChecker::finish() { impl_->finish(); }
const EachSummary& EachChecker::summary() const { return impl_->summary; }

}  // namespace ladder::checker
