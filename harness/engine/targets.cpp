#include "engine/targets.h"


namespace ladder::engine {
namespace {

using core::iequals;

const scenario::StringMatch* equals_of(const std::vector<scenario::StringMatch>& ms) {
  for (const auto& m : ms) {
    if (m.op == scenario::MatchOp::equals) return &m;
  }
  return nullptr;
}

}  // namespace

Targets::Targets(const scenario::Scenario& scenario, const scenario::Testbed& testbed,
                 scenario::Bindings bindings, std::optional<std::string> proxy)
    : scenario_(&scenario),
      testbed_(&testbed),
      bindings_(std::move(bindings)),
      proxy_(std::move(proxy)) {}

std::string Targets::attr(const std::string& role, const std::string& name) const {
  auto r = bindings_.roles.find(role);
  if (r == bindings_.roles.end()) return {};
  auto a = r->second.find(name);
  return a == r->second.end() ? std::string() : a->second;
}

std::optional<std::string> Targets::expanded(const scenario::Template& t) const {
  if (saved_ == nullptr || saved_->empty()) return scenario::expand(t, bindings_);
  scenario::Bindings b = bindings_;
  for (const auto& [k, v] : *saved_) b.variables[k] = v;
  return scenario::expand(t, b);
}

std::string Targets::expand(const scenario::Template& t) const {
  auto v = expanded(t);
  return v ? *v : t.source;
}

std::string Targets::host_for(const std::string& role) const {
  if (proxy_) {
    std::string d = attr(*proxy_, "domain");
    return d.empty() ? attr(*proxy_, "address") : d;
  }
  std::string a = attr(role, "address");
  return a.empty() ? attr(role, "host") : a;
}

std::string Targets::aor(const std::string& role) const {
  std::string user = attr(role, "user");
  std::string domain = attr(role, "domain");
  if (domain.empty() && proxy_) domain = host_for(role);
  if (domain.empty()) domain = attr(role, "host");
  return "sip:" + (user.empty() ? std::string() : user + "@") + domain;
}

std::string Targets::registrar() const {
  if (!proxy_) return {};
  return "sip:" + host_for(*proxy_);
}

std::optional<std::string> Targets::role_with_user(const std::string& user) const {
  for (const auto& [role, attrs] : bindings_.roles) {
    auto u = attrs.find("user");
    if (u != attrs.end() && u->second == user) return role;
  }
  return std::nullopt;
}

std::string Targets::request_uri(std::size_t i) const {
  const scenario::Step& s = scenario_->steps[i];
  const auto& u = s.request_uri;
  if (u) {
    if (const auto* m = equals_of(u->match)) {
      if (auto v = expanded(m->value)) return *v;
    }
  }
  std::string user;
  if (u && u->user) {
    if (const auto* m = equals_of(u->user->match)) user = expand(m->value);
  }
  std::string target = s.to;
  if (user.empty()) {
    bool to_proxy = proxy_ && s.to == *proxy_;
    if (to_proxy) {
      for (const auto& f : scenario_->steps) {
        if (f.forwards && *f.forwards == i) {
          target = f.to;
          break;
        }
      }
    }
    user = attr(target, "user");
  } else if (auto r = role_with_user(user)) {
    target = *r;
  }
  std::string host;
  if (u && u->host) {
    if (const auto* m = equals_of(u->host->match)) host = expand(m->value);
  }
  // Direct: the receiving role's own address (with its actual port).
  if (proxy_ && s.to == *proxy_) {
    host = host_for(target);
  } else {
    std::string a = attr(s.to, "address");
    if (!a.empty()) host = a;
    if (host.empty()) host = attr(s.to, "host");
  }
  std::string out = "sip:" + (user.empty() ? std::string() : user + "@") + host;
  const scenario::TestbedRole* from = testbed_->find_role(s.from);
  if (from && from->transport == core::Transport::tcp && !(proxy_ && s.to == *proxy_)) {
    out += ";transport=tcp";
  }
  return out;
}

std::string Targets::refer_to(std::size_t i) const {
  const scenario::Step& s = scenario_->steps[i];
  if (s.send) {
    for (const auto& [name, value] : s.send->headers) {
      if (iequals(name, "Refer-To") || iequals(name, "r")) return expand(value);
    }
  }
  std::string user;
  for (const auto& h : s.headers) {
    if (!iequals(h.name, "Refer-To") && !iequals(h.name, "r")) continue;
    if (const auto* m = equals_of(h.value)) return expand(m->value);
    if (h.uri) {
      if (const auto* m = equals_of(h.uri->match)) return "<" + expand(m->value) + ">";
      if (h.uri->user) {
        if (const auto* m = equals_of(h.uri->user->match)) user = expand(m->value);
      }
    }
  }
  std::string target;
  if (!user.empty()) {
    target = role_with_user(user).value_or("");
  } else {
    for (const auto& r : scenario_->roles) {
      if (r.kind == scenario::RoleKind::ua && r.id != s.from && r.id != s.to) {
        const auto* tb = testbed_->find_role(r.id);
        // The transferee is the one the REFER goes to through the proxy: skip roles it forwards to.
        bool referee = false;
        for (const auto& f : scenario_->steps) {
          if (f.forwards && *f.forwards == i && f.to == r.id) referee = true;
        }
        if (referee || tb == nullptr) continue;
        target = r.id;
        break;
      }
    }
    user = attr(target, "user");
  }
  std::string host = target.empty() ? host_for(s.to) : host_for(target);
  return "<sip:" + (user.empty() ? std::string() : user + "@") + host + ">";
}

bool Targets::notify_terminated(std::size_t i) const {
  const scenario::Step& s = scenario_->steps[i];
  for (const auto& h : s.headers) {
    if (!iequals(h.name, "Subscription-State")) continue;
    for (const auto& m : h.value) {
      if (m.value.source.find("terminated") != std::string::npos) return true;
    }
  }
  return false;
}

std::string Targets::headers(std::size_t i) const {
  const scenario::Step& s = scenario_->steps[i];
  std::string out;
  if (!s.send) return out;
  for (const auto& [name, value] : s.send->headers) {
    if (iequals(name, "Refer-To") || iequals(name, "r")) continue;
    if (!out.empty()) out += "\r\n";
    out += name + ": " + expand(value);
  }
  return out;
}

std::optional<std::pair<std::string, std::string>> Targets::body(std::size_t i) const {
  const scenario::Step& s = scenario_->steps[i];
  if (!s.send) return std::nullopt;
  if (s.send->sdp_preset) return std::pair<std::string, std::string>{"application/sdp", ""};
  if (s.send->body_text) {
    return std::pair<std::string, std::string>{s.send->body_type.value_or("text/plain"),
                                               expand(*s.send->body_text)};
  }
  return std::nullopt;
}

std::optional<std::string> Targets::sdp_preset(std::size_t i) const {
  const scenario::Step& s = scenario_->steps[i];
  if (s.send && s.send->sdp_preset) return *s.send->sdp_preset;
  return std::nullopt;
}

}  // namespace ladder::engine
