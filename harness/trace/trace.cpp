#include "trace/trace.h"

#include <string>
#include <unordered_map>
#include <utility>

#include "sip/sip.h"

namespace ladder::trace {
namespace {

using core::StringHash;

struct Seen {
  std::uint64_t key;
  std::uint64_t frame;
};

struct Call {
  CallSummary summary;
  std::vector<Seen> seen;  // small per call: a linear scan beats a set
};

}  // namespace

std::string Record::label() const {
  if (is_request) return method;
  std::string out = std::to_string(status);
  if (!reason.empty()) out += " " + reason;
  return out;
}

struct Tracer::Impl {
  TraceOptions options;
  RecordSink on_record;
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> index;
  std::vector<Call> calls;
  std::uint64_t messages = 0;
  core::TimeNs first_time = 0;

  Call& call_for(std::string_view id) {
    auto it = index.find(id);
    if (it != index.end()) return calls[it->second];
    index.emplace(std::string(id), calls.size());
    calls.emplace_back();
    calls.back().summary.call_id = std::string(id);
    return calls.back();
  }

  void add(const sip::WireBytes& p) {
    sip::Summary s = sip::scan(p.bytes);
    if (!options.call_id.empty() && s.call_id != options.call_id) return;
    if (messages == 0) first_time = p.time;
    ++messages;

    Call& call = call_for(s.call_id);
    CallSummary& cs = call.summary;
    if (cs.messages == 0) {
      cs.first_frame = p.frame;
      cs.first_time = p.time;
    }
    cs.last_time = p.time;
    ++cs.messages;
    if (cs.method.empty() && s.is_request) cs.method = std::string(s.method);
    if (!s.is_request && s.status >= 200 && s.cseq_method == cs.method) cs.final_status = s.status;

    std::uint64_t key = sip::hop_key(p, s);
    std::uint64_t first_copy = 0;
    for (const Seen& seen : call.seen) {
      if (seen.key == key) {
        first_copy = seen.frame;
        break;
      }
    }
    if (first_copy != 0) ++cs.retransmissions;
    else call.seen.push_back({key, p.frame});

    bool malformed = s.problem != nullptr || p.incomplete;
    std::string problem = p.incomplete ? "incomplete: stream ended inside the message"
                          : s.problem ? s.problem : "";
    if (options.full_parse && !malformed) {
      sip::Message m{std::string(p.bytes)};
      if (m.malformed()) {
        malformed = true;
        problem = m.problem();
      }
    }
    if (malformed) ++cs.malformed;
    if (!on_record) return;

    Record r;
    static_cast<sip::Wire&>(r) = p;
    r.size = p.bytes.size();
    r.is_request = s.is_request;
    r.method = s.method;
    r.uri = s.request_uri;
    r.status = s.status;
    r.reason = s.reason;
    r.cseq = s.cseq;
    r.cseq_method = s.cseq_method;
    r.call_id = s.call_id;
    r.branch = s.via_branch;
    r.retransmission = first_copy != 0;
    r.retransmission_of = first_copy;
    r.malformed = malformed;
    r.problem = std::move(problem);
    on_record(r);
  }
};

Tracer::Tracer(TraceOptions options, RecordSink on_record)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->on_record = std::move(on_record);
}
Tracer::~Tracer() = default;
Tracer::Tracer(Tracer&&) noexcept = default;
Tracer& Tracer::operator=(Tracer&&) noexcept = default;

void Tracer::add(const sip::WireBytes& payload) { impl_->add(payload); }

std::vector<CallSummary> Tracer::calls() const {
  std::vector<CallSummary> out;
  out.reserve(impl_->calls.size());
  for (const Call& c : impl_->calls) out.push_back(c.summary);
  return out;
}

std::uint64_t Tracer::messages() const { return impl_->messages; }
core::TimeNs Tracer::first_time() const { return impl_->first_time; }

}  // namespace ladder::trace
