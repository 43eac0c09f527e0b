// Testbed files: which role is played by the harness, which is the DUT, where each lives.
#include <algorithm>

#include "scenario/loader_internal.h"

namespace ladder::scenario {

namespace detail {

namespace {

// Secrets come from the environment only; a key that looks like one is refused outright, so a
// password never lands in a repository by accident.
bool is_secret_key(std::string_view key) {
  return key == "password" || key == "secret" || key == "passwd" || key == "token";
}

void refuse_secrets(MapReader& m, Sink& sink) {
  for (auto& [key, value] : m.entries()) {
    if (!key.is_scalar() || !is_secret_key(key.str())) continue;
    m.get(key.str());  // reported here, not again as unknown
    sink.error(pos_of(key),
               "key '" + key.str() + "' in " + m.what() +
                   " would hold a secret; secrets never go in YAML: name an environment "
                   "variable with '" +
                   key.str() + "_env: VARIABLE'");
  }
}

std::optional<core::Endpoint> read_endpoint(const Node& n, Sink& sink, const std::string& where) {
  auto s = read_string(n, sink, where);
  if (!s) return std::nullopt;
  if (auto e = core::Endpoint::parse(*s)) return e;
  sink.error(pos_of(n), "bad address '" + *s + "' for " + where +
                            "; expected IP:PORT such as 192.0.2.10:5060 or [fd00::1]:5060");
  return std::nullopt;
}

std::optional<Driver> read_driver(const Node& n, Sink& sink, const std::string& what) {
  Driver d;
  d.pos = pos_of(n);
  MapReader m(n, sink, "'driver' of " + what);
  if (!m.ok()) return std::nullopt;
  refuse_secrets(m, sink);
  bool good = true;
  if (Node k = m.get("kind")) {
    if (auto s = read_string(k, sink, m.where("kind"))) {
      static const std::vector<std::string> kinds{"action-uri", "csta", "prompt", "baresip"};
      if (*s == "action-uri")
        d.kind = DriverKind::action_uri;
      else if (*s == "csta")
        d.kind = DriverKind::csta;
      else if (*s == "prompt")
        d.kind = DriverKind::prompt;
      else if (*s == "baresip")
        d.kind = DriverKind::baresip;
      else {
        sink.error(pos_of(k), "unknown driver '" + *s + "' for " + m.where("kind") +
                                  hint_or_list(*s, kinds, "drivers are "));
        good = false;
      }
    }
  } else {
    m.missing("kind");
    good = false;
  }
  // The rest is the driver's own business: free-form strings.
  for (auto& [key, value] : m.entries()) {
    if (!key.is_scalar() || key.scalar() == "kind" || is_secret_key(key.str())) continue;
    m.get(key.str());
    if (auto v = read_string(value, sink, m.where(key.str()))) d.options[key.str()] = *v;
  }
  m.finish();
  if (!good) return std::nullopt;
  return d;
}

std::optional<TestbedRole> read_role(const std::string& id, const Node& n, Sink& sink) {
  TestbedRole r;
  r.id = id;
  r.pos = pos_of(n);
  MapReader m(n, sink, "role " + id);
  if (!m.ok()) return std::nullopt;
  refuse_secrets(m, sink);
  Node played = m.get("played_by");
  Node dut = m.get("dut");
  Node external = m.get("external");
  Node bind = m.get("bind");
  if ((dut ? 1 : 0) + (external ? 1 : 0) + (bind ? 1 : 0) > 1) {
    sink.error(m.pos(),
               "role " + id + " has more than one of 'bind', 'dut' and 'external'; give one");
    return std::nullopt;
  }
  if (dut)
    r.played_by = PlayedBy::dut;
  else if (external)
    r.played_by = PlayedBy::external;
  if (played) {
    auto s = read_string(played, sink, m.where("played_by"));
    std::optional<PlayedBy> p;
    if (s == "harness")
      p = PlayedBy::harness;
    else if (s == "dut")
      p = PlayedBy::dut;
    else if (s == "external")
      p = PlayedBy::external;
    else if (s) {
      sink.error(pos_of(played), "unknown value '" + *s + "' for " + m.where("played_by") +
                                     hint_or_list(*s, {"harness", "dut", "external"}, "expected "));
    }
    if (p && (dut || external) && *p != r.played_by) {
      sink.error(pos_of(played), "role " + id + " says played_by: " + *s + " but gives '" +
                                     (dut ? "dut" : "external") + "'");
    }
    if (p) r.played_by = *p;
  }
  if (r.played_by == PlayedBy::harness) {
    if (bind) {
      if (auto e = read_endpoint(bind, sink, m.where("bind"))) r.address = *e;
    } else {
      r.address = *core::Endpoint::parse("127.0.0.1:0");  // loopback, ephemeral port
    }
  } else {
    Node where = dut ? dut : external;
    if (!where) {
      sink.error(m.pos(), "role " + id + " is played by " + std::string(to_string(r.played_by)) +
                              " but has no address; write '" + std::string(to_string(r.played_by)) +
                              ": IP:PORT'");
    } else if (auto e = read_endpoint(where, sink, m.where(dut ? "dut" : "external"))) {
      r.address = *e;
    }
  }
  if (Node t = m.get("transport")) {
    auto s = read_string(t, sink, m.where("transport"));
    if (s == "udp")
      r.transport = core::Transport::udp;
    else if (s == "tcp")
      r.transport = core::Transport::tcp;
    else if (s)
      sink.error(pos_of(t), "unknown transport '" + *s + "' for " + m.where("transport") +
                                "; expected udp or tcp");
  }
  if (Node u = m.get("user")) r.user = read_string(u, sink, m.where("user")).value_or("");
  if (Node d = m.get("domain")) r.domain = read_string(d, sink, m.where("domain")).value_or("");
  if (Node p = m.get("password_env"))
    r.password_env = read_string(p, sink, m.where("password_env"));
  if (Node g = m.get("register"))
    r.registers = read_bool(g, sink, m.where("register")).value_or(false);
  if (Node g = m.get("ring")) r.ring = read_duration(g, sink, m.where("ring"));
  if (Node k = m.get("kind")) {
    auto s = read_string(k, sink, m.where("kind"));
    if (s == "ua")
      r.kind = RoleKind::ua;
    else if (s == "proxy")
      r.kind = RoleKind::proxy;
    else if (s == "b2bua")
      r.kind = RoleKind::b2bua;
    else if (s)
      sink.error(pos_of(k), "unknown kind '" + *s + "' for " + m.where("kind") +
                                hint_or_list(*s, {"ua", "proxy", "b2bua"}, "expected "));
  }
  if (Node rr = m.get("record_route"))
    r.record_route = read_bool(rr, sink, m.where("record_route"));
  if (Node d = m.get("driver")) {
    r.driver = read_driver(d, sink, "role " + id);
    if (r.played_by != PlayedBy::dut) {
      sink.error(pos_of(d), "'driver' in role " + id + " belongs to handset DUTs ('dut: IP:PORT')");
    }
  }
  if (r.ring && r.played_by != PlayedBy::harness) {
    sink.error(m.key_pos("ring"), "'ring' in role " + id + " applies to roles the harness plays");
  }
  if (r.registers && r.played_by != PlayedBy::harness) {
    sink.error(m.key_pos("register"),
               "'register' in role " + id + " applies to roles the harness plays");
  }
  m.finish();
  return r;
}

std::optional<Testbed> load_testbed(std::string_view text, const std::string& name, Sink& sink) {
  auto doc = parse_yaml(text, sink);
  if (!doc) return std::nullopt;
  Testbed tb;
  tb.source = name;
  MapReader m(doc->root(), sink, "the testbed file");
  if (!m.ok()) return std::nullopt;
  if (Node roles = m.get("roles")) {
    MapReader rm(roles, sink, "'roles'");
    for (auto& [key, value] : rm.entries()) {
      auto id = read_string(key, sink, "a role id in 'roles'");
      if (!id) continue;
      if (auto r = read_role(*id, value, sink)) tb.roles.push_back(std::move(*r));
    }
  } else {
    m.missing("roles");
  }
  if (Node c = m.get("capture")) {
    MapReader cm(c, sink, "'capture'");
    if (Node i = cm.get("interface"))
      tb.capture.interface = read_string(i, sink, cm.where("interface")).value_or("");
    if (Node l = cm.get("linger")) {
      if (auto d = read_duration(l, sink, cm.where("linger"))) tb.capture.linger = *d;
    }
    cm.finish();
  }
  if (Node t = m.get("timeouts")) {
    MapReader tm(t, sink, "'timeouts'");
    if (Node s = tm.get("step")) tb.timeouts.step = read_duration(s, sink, tm.where("step"));
    if (Node s = tm.get("scenario"))
      tb.timeouts.scenario = read_duration(s, sink, tm.where("scenario"));
    tm.finish();
  }
  m.finish();
  if (sink.has_errors()) return std::nullopt;
  return tb;
}

}  // namespace

}  // namespace detail

TestbedResult load_testbed_text(std::string_view text, std::string name) {
  detail::Sink sink(name, text);
  TestbedResult r;
  r.testbed = detail::load_testbed(text, name, sink);
  r.diagnostics = sink.take();
  return r;
}

TestbedResult load_testbed(const std::string& path) {
  std::string error;
  auto text = detail::read_file(path, &error);
  if (!text) return {std::nullopt, {core::Diagnostic{core::Severity::error, path, error}}};
  return load_testbed_text(*text, path);
}

Bindings bindings_from(const Testbed& testbed) {
  Bindings b;
  for (const TestbedRole& r : testbed.roles) {
    auto& attrs = b.roles[r.id];
    if (!r.user.empty()) attrs["user"] = r.user;
    if (!r.domain.empty()) attrs["domain"] = r.domain;
    if (r.address.address.family != 0) attrs["host"] = r.address.address.uri_host();
    if (r.address.port != 0) {
      attrs["port"] = std::to_string(r.address.port);
      attrs["address"] = r.address.to_string();
    }
  }
  return b;
}

std::vector<core::Diagnostic> check_binding(const Scenario& scenario, const Testbed& testbed) {
  std::vector<core::Diagnostic> out;
  auto at = [&](SourcePos p) {
    return p.line > 0 ? core::position(scenario.source, p.line, p.col) : scenario.source;
  };
  for (const Role& role : scenario.roles) {
    const TestbedRole* bound = testbed.find_role(role.id);
    if (!bound) {
      out.push_back({core::Severity::error, at(role.pos),
                     "role '" + role.id + "' is not bound in testbed " + testbed.source});
      continue;
    }
    if (role.kind != RoleKind::ua && bound->played_by == PlayedBy::harness) {
      out.push_back({core::Severity::error, at(role.pos),
                     "role '" + role.id + "' is a " + std::string(to_string(role.kind)) +
                         " but testbed " + testbed.source +
                         " has the harness play it; the harness plays user agents only"});
    }
  }
  return out;
}

}  // namespace ladder::scenario
