#include "checker/each.h"

#include "checker/context.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <unordered_set>

namespace ladder::checker {
namespace {

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

// A finished call on its way to check(), and what came back.
struct Job {
  std::string id;
  std::vector<Observed> messages;
};

struct Outcome {
  std::string id;
  Verdict verdict;
  std::exception_ptr error;
  // The call's messages, back to the thread that made them to be freed there: glibc's malloc
  // makes a thread that frees another thread's blocks contend for that thread's arena lock.
  std::vector<Observed> spent;
};

// Worker threads that check batches of finished calls and hand the outcomes back in the order
// the batches were submitted. Owns its threads; the destructor stops and joins them.
class Pool {
 public:
  using Work = std::function<Outcome(Job&)>;

  /// `threads` workers besides the caller of submit(), which helps when the queue is full.
  Pool(unsigned threads, Work work) : work_(std::move(work)), max_queued_(threads * 4 + 4) {
    for (unsigned i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
  }
  ~Pool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Queues a batch, or checks it on the calling thread when the queue is full: the caller
  /// helps rather than waits, and memory stays bounded.
  void submit(std::vector<Job> batch) {
    std::unique_lock lock(mu_);
    std::uint64_t seq = submitted_++;
    if (queue_.size() < max_queued_) {
      queue_.emplace_back(seq, std::move(batch));
      lock.unlock();
      work_cv_.notify_one();
      return;
    }
    lock.unlock();
    finish(seq, batch);
  }

  /// Outcomes of the batches finished so far that follow each other in submission order; with
  /// `all`, waits until every submitted batch is done.
  std::vector<Outcome> take(bool all) {
    std::unique_lock lock(mu_);
    if (all) done_cv_.wait(lock, [this] { return finished_count_ == submitted_; });
    std::vector<Outcome> out;
    for (auto it = finished_.begin(); it != finished_.end() && it->first == next_; ++next_) {
      for (Outcome& o : it->second) out.push_back(std::move(o));
      it = finished_.erase(it);
    }
    return out;
  }

 private:
  void run() {
    for (;;) {
      std::unique_lock lock(mu_);
      work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, nothing left
      auto [seq, batch] = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      finish(seq, batch);
    }
  }

  void finish(std::uint64_t seq, std::vector<Job>& batch) {
    std::vector<Outcome> outcomes;
    outcomes.reserve(batch.size());
    for (Job& job : batch) outcomes.push_back(work_(job));
    {
      std::lock_guard lock(mu_);
      finished_.emplace(seq, std::move(outcomes));
      ++finished_count_;
    }
    done_cv_.notify_all();
  }

  Work work_;
  std::size_t max_queued_;
  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_;
  std::deque<std::pair<std::uint64_t, std::vector<Job>>> queue_;
  std::map<std::uint64_t, std::vector<Outcome>> finished_;
  std::uint64_t submitted_ = 0, finished_count_ = 0, next_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

constexpr std::size_t kBatch = 16;  // calls per batch: enough work to make a hand-off cheap

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
  std::unordered_map<OpenKey, Call, KeyHash, KeyEqual> open;
  std::deque<std::pair<core::TimeNs, OpenKey>> by_age;  // (seen, call) for idle sweeps
  std::unordered_set<std::uint64_t> done;               // hashes of checked Call-IDs
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
  bool account(Call& call, const Observed& o, const std::string& from, const std::string& to) {
    std::uint64_t key = hop_key(o);
    if (std::find(call.seen.begin(), call.seen.end(), key) != call.seen.end()) return false;
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

  // The options every call is checked with, fixed once the roles are known.
  CheckOptions per_call;
  bool per_call_ready = false;

  std::vector<Job> batch;
  // Declared after all that the workers read (scenario, per_call): destroyed, so joined, first.
  std::unique_ptr<Pool> pool;

  Outcome check_job(Job& job) const {
    Outcome out{std::move(job.id), {}, nullptr, {}};
    try {
      out.verdict = check(scenario, job.messages, per_call);
      if (out.verdict.passed) {  // only the flag is needed; the rest is freed where it was made
        out.verdict = Verdict{};
        out.verdict.passed = true;
      }
    } catch (...) {
      out.error = std::current_exception();
    }
    for (Observed& o : job.messages) o.message.drop_caches();  // built here, freed here
    out.spent = std::move(job.messages);
    return out;
  }

  void check_call(const OpenKey& key, Call& call) {
    const std::string& id = key.id;
    if (!per_call_ready) {
      per_call = options.check;
      per_call.roles = summary.roles;
      add_role_bindings(per_call.roles, per_call.bindings);
      per_call.bindings_have_roles = true;
      per_call_ready = true;
    }
    done.insert(key.hash);
    Job job{id, std::move(call.messages)};
    if (options.jobs <= 1) return record(check_job(job));
    batch.push_back(std::move(job));
    if (batch.size() >= kBatch) flush(false);
  }

  // Hands the batch to the workers and records what has come back, in order.
  void flush(bool all) {
    if (!pool) {
      pool = std::make_unique<Pool>(options.jobs - 1, [this](Job& j) { return check_job(j); });
    }
    if (!batch.empty()) pool->submit(std::exchange(batch, {}));
    for (Outcome& o : pool->take(all)) record(std::move(o));
  }

  void record(Outcome o) {
    if (o.error) std::rethrow_exception(o.error);
    const std::string& id = o.id;
    Verdict& v = o.verdict;
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
  }

  template <typename Key>
  void close(const Key& key) {
    auto it = open.find(key);
    if (it == open.end()) return;
    check_call(it->first, it->second);
    open.erase(it);
  }

  // One by_age entry per open call, not per message: an entry whose call has seen messages
  // since it was queued goes back to the end with that time. (Such an entry may then sit behind
  // a younger one, so a call can be swept up to `idle` late; never early.)
  void sweep(core::TimeNs now) {
    while (!by_age.empty() && now - by_age.front().first > options.idle) {
      auto [queued, key] = std::move(by_age.front());
      by_age.pop_front();
      auto it = open.find(key);
      if (it == open.end()) continue;  // checked already
      if (now - it->second.last > options.idle) {
        close(key);
      } else {
        by_age.emplace_back(it->second.last, std::move(key));
      }
    }
  }

  void take(Observed&& o) {
    const std::string& from = role(o.src);
    const std::string& to = role(o.dst);
    if (from.empty() || to.empty()) {
      ++summary.outside_roles;
      return;
    }
    CallKey key(o.message.summary().call_id);
    if (done.count(key.hash)) {
      ++summary.late;
      return;
    }
    auto it = open.find(key);
    if (it == open.end()) {
      it = open.emplace(OpenKey{std::string(key.id), key.hash}, Call{}).first;
      it->second.have.assign(needs.size(), 0);
      it->second.messages.reserve(scenario.steps.size() + 2);  // no moves while it fills
      by_age.emplace_back(o.time, it->first);
    }
    Call& call = it->second;
    call.last = o.time;
    bool complete = account(call, o, from, to);
    core::TimeNs now = o.time;
    call.messages.push_back(std::move(o));
    if (complete) close(it->first);
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

  void add(Observed&& o) {
    ++summary.messages;
    if (roles_known) return take(std::move(o));
    pending.push_back(std::move(o));
    infer_from_pending(false);
  }

  void finish() {
    if (!roles_known) infer_from_pending(true);
    // Check what is left in order of first appearance, so "first failed" means first in time.
    std::vector<std::pair<std::uint64_t, OpenKey>> left;
    for (const auto& [key, call] : open) left.emplace_back(call.messages.front().frame, key);
    std::sort(left.begin(), left.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [frame, key] : left) close(key);
    if (options.jobs > 1) flush(true);
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
