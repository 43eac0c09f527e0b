// `ladder init`: a ladder drafted from a recorded call, checked against that call before it is
// handed out.
#include <algorithm>
#include <filesystem>

#include "draft/draft.h"
#include "usecase/usecase.h"

namespace ladder::usecase {
namespace {

std::string stem_of(const std::string& path) {
  if (path == "-") return "stdin";
  std::string s = std::filesystem::path(path).stem().string();
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
  }
  return s.empty() ? "capture" : s;
}

// The draft checked against the messages it came from, with its roles at their addresses.
checker::Verdict self_check(const scenario::Scenario& sc, const draft::Draft& d,
                            const std::vector<sip::WireMessage>& messages) {
  checker::CheckOptions o;
  for (const draft::DraftRole& r : d.roles) {
    for (const core::Endpoint& e : r.endpoints) o.roles.roles[r.id].push_back({e.address, e.port});
  }
  return checker::check(sc, messages, o);
}

}  // namespace

InitResult init(const InitRequest& rq, const Hooks& hooks) {
  InitResult out;
  auto read = read_capture(rq.capture, rq.call_id, hooks);
  if (!read) {
    out.error = read.error();
    return out;
  }
  if (read->messages.empty()) {
    out.error = "no SIP message" + (rq.call_id.empty() ? "" : " of Call-ID '" + rq.call_id + "'") +
                " in " + rq.capture;
    return out;
  }
  draft::DraftOptions o;
  o.roles = rq.roles;
  o.name = "draft-" + stem_of(rq.capture);
  o.source = rq.capture + (rq.call_id.empty() ? "" : " (Call-ID " + rq.call_id + ")");
  draft::Draft d = draft::make_draft(read->messages, o);
  if (d.steps.empty()) {
    out.error = "nothing to draft in " + rq.capture + ": no request or final response";
    return out;
  }
  // What the recorded call itself breaks (RFC 3261 rules, a dialog rule) cannot be demanded
  // of it: waived, and said so in the file. At most once per kind.
  for (int round = 0; round < 4; ++round) {
    out.yaml = draft::to_yaml(d);
    scenario::LoadResult loaded = scenario::load_scenario_text(out.yaml, o.name + ".yaml");
    if (!loaded.ok()) {
      out.error = "the draft does not load (a bug of ladder init): " +
                  (loaded.diagnostics.empty() ? std::string("?") : loaded.diagnostics.front().format());
      return out;
    }
    checker::Verdict v = self_check(*loaded.scenario, d, read->messages);
    if (v.passed) {
      out.outcome = Outcome::passed;
      return out;
    }
    bool added = false;
    for (const checker::Failure& f : v.failures) {
      if (f.warning) continue;
      std::string kind(core::to_string(f.kind));
      if (!core::waivable(f.kind) || kind == "missing" ||
          std::find(d.waive.begin(), d.waive.end(), kind) != d.waive.end()) {
        continue;
      }
      d.waive.push_back(kind);
      d.waive_why.push_back(kind + ": the recording itself has " + (f.step.empty() ? "" : f.step + ": ") +
                            f.message);
      out.notes.push_back("waived " + d.waive_why.back());
      added = true;
    }
    if (!added) {
      out.outcome = Outcome::failed;
      for (const checker::Failure& f : v.failures) {
        if (!f.warning) {
          out.error = "the draft does not pass against " + rq.capture + ": " +
                      (f.step.empty() ? "" : f.step + ": ") + f.message;
          break;
        }
      }
      return out;
    }
  }
  out.outcome = Outcome::failed;
  out.error = "the draft does not pass against " + rq.capture;
  return out;
}

}  // namespace ladder::usecase
