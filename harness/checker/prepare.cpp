// Roles of every message (from the map, aliases learned from Via, or inference) and
// retransmission detection.
#include <algorithm>
#include <functional>
#include <unordered_map>

#include "checker/context.h"

namespace ladder::checker {
namespace {

// The sent-by of the top Via as an endpoint, when it is an IP literal (5060 when no port).
std::optional<core::Endpoint> via_endpoint(const sip::Message& m) {
  auto via = m.header("Via");
  if (!via) return std::nullopt;
  std::string_view v = *via;
  std::size_t sp = v.find_first_of(" \t");
  if (sp == std::string_view::npos) return std::nullopt;
  v = v.substr(sp + 1);
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  v = v.substr(0, v.find_first_of(";, \t"));
  if (auto e = core::Endpoint::parse(v)) return e;
  if (auto a = core::Address::parse(v)) return core::Endpoint{*a, 5060};
  return std::nullopt;
}

bool label_matches(const scenario::Step& s, const sip::Summary& m) {
  return s.is_request() ? (m.is_request && m.method == s.method)
                        : (!m.is_request && m.status == s.status);
}

// Binds unmapped roles from the capture: walk the ladder, and give each step's unbound roles the
// endpoints of the first unused message with the step's label that agrees with what is bound.
void infer_roles(Context& c, std::vector<std::string>& src, std::vector<std::string>& dst,
                 const std::function<void()>& resolve) {
  scenario::RoleMap& map = c.verdict.roles;
  std::vector<bool> used(c.messages.size(), false);
  std::vector<std::string> inferred;
  auto bound = [&map](const std::string& role) { return map.roles.count(role) > 0; };
  for (const scenario::Step& s : c.scenario.steps) {
    if (bound(s.from) && bound(s.to)) continue;
    for (std::size_t i = 0; i < c.messages.size(); ++i) {
      if (used[i] || !label_matches(s, c.msg(i).message.summary())) continue;
      if (bound(s.from) ? src[i] != s.from : !src[i].empty()) continue;
      if (bound(s.to) ? dst[i] != s.to : !dst[i].empty()) continue;
      if (c.msg(i).src == c.msg(i).dst) continue;
      used[i] = true;
      for (auto [role, ep] : {std::pair{s.from, c.msg(i).src}, std::pair{s.to, c.msg(i).dst}}) {
        if (bound(role)) continue;
        map.roles[role].push_back({ep.address, ep.port});
        inferred.push_back(role + "=" + ep.to_string() + " (" + s.id + ", frame " +
                           std::to_string(c.msg(i).frame) + ")");
      }
      resolve();  // new bindings may name TCP peers on ephemeral ports (Via aliases)
      break;
    }
  }
  if (!inferred.empty()) {
    std::string note = "roles inferred from the capture:";
    for (const std::string& s : inferred) note += " " + s;
    c.verdict.notes.push_back(note);
  }
}

}  // namespace

void prepare(Context& c) {
  const std::size_t n = c.messages.size();
  c.verdict.roles = c.options.roles;
  std::vector<std::string> src(n), dst(n);
  // TCP peers speak from ephemeral ports: learn "this endpoint is role R" from the top Via of
  // requests it sends and of responses it receives.
  std::unordered_map<core::Endpoint, std::string, core::EndpointHash> alias;
  // A call has few endpoints: look each up in the role map once (bulk checks run this per call).
  std::vector<std::pair<core::Endpoint, std::string>> mapped;
  auto role_of = [&](const core::Endpoint& e) -> std::string {
    auto known = std::find_if(mapped.begin(), mapped.end(), [&e](const auto& m) { return m.first == e; });
    if (known == mapped.end()) {
      known = mapped.emplace(mapped.end(), e, c.verdict.roles.role_of(e).value_or(""));
    }
    if (!known->second.empty()) return known->second;
    auto it = alias.find(e);
    return it == alias.end() ? "" : it->second;
  };
  auto resolve = [&] {
    mapped.clear();  // inference may have bound more roles since the last pass
    for (std::size_t i = 0; i < n; ++i) {
      const sip::WireMessage& o = c.msg(i);
      src[i] = role_of(o.src);
      dst[i] = role_of(o.dst);
      bool request = o.message.summary().is_request;
      std::string& unknown = request ? src[i] : dst[i];
      if (unknown.empty() && o.transport != core::Transport::udp) {
        if (auto v = via_endpoint(o.message)) {
          if (auto r = c.verdict.roles.role_of(*v)) {
            alias[request ? o.src : o.dst] = *r;
            unknown = *r;
          }
        }
      }
    }
  };
  resolve();
  bool all_bound = true;
  for (const scenario::Role& r : c.scenario.roles) all_bound &= c.verdict.roles.roles.count(r.id) > 0;
  if (!all_bound) {
    infer_roles(c, src, dst, resolve);
  }

  c.verdict.messages.resize(n);
  // First copy of each transmission: sort (key, index) once rather than a hash node per
  // message (bulk checks run this per call).
  std::vector<std::pair<std::uint64_t, std::size_t>> keys;
  keys.reserve(n);
  for (std::size_t i = 0; i < n; ++i) keys.emplace_back(hop_key(c.msg(i)), i);
  std::sort(keys.begin(), keys.end());
  std::size_t run = 0;  // start of the current run of equal keys (sorted by index within it)
  for (std::size_t k = 0; k < n; ++k) {
    if (keys[k].first != keys[run].first) run = k;
    MessageResult& m = c.verdict.messages[keys[k].second];
    m.index = keys[k].second;
    m.frame = c.msg(m.index).frame;
    m.src_role = src[m.index];
    m.dst_role = dst[m.index];
    if (run != k) m.retransmission_of = keys[run].second;
  }
  for (const scenario::Role& r : c.scenario.roles) {
    if (c.verdict.roles.roles.count(r.id) > 0) continue;
    Failure f;
    f.kind = core::FailureKind::role;
    f.message = "role " + r.id + ": no address given and none could be inferred from the capture;"
                " give --role " + r.id + "=ADDRESS[:PORT]";
    c.fail(npos, npos, std::move(f));
  }
}

}  // namespace ladder::checker
