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
    if (auto v = read_string(value, sink, m.where(key.str()))) {
      if (key.str() == "fallback" && *v != "prompt") {
        sink.error(pos_of(value), "unknown fallback '" + *v + "' for " + m.where("fallback") +
                                      "; the only fallback is prompt (ask the operator)");
        continue;
      }
      if (key.str() == "fallback" && good && d.kind == DriverKind::prompt) {
        sink.error(pos_of(value), "'fallback: prompt' in " + m.what() +
                                      " is already the prompt driver");
        continue;
      }
      d.options[key.str()] = *v;
    }
  }
  m.finish();
  if (!good) return std::nullopt;
  return d;
}

std::optional<std::vector<std::string>> read_strings(const Node& n, Sink& sink,
                                                      const std::string& where) {
  auto v = read_string_list(n, sink, where);
  if (v && v->empty()) {
    sink.error(pos_of(n), "empty list for " + where);
    return std::nullopt;
  }
  return v;
}

std::optional<Start> read_start(const Node& n, Sink& sink, const TestbedRole& role) {
  Start st;
  st.pos = pos_of(n);
  std::string what = "'start' of role " + role.id;
  MapReader m(n, sink, what);
  if (!m.ok()) return std::nullopt;
  refuse_secrets(m, sink);
  bool good = true;
  Node kind = m.get("kind");
  Node command = m.get("command");
  static const std::vector<std::string> kinds{"kamailio", "baresip", "sipp", "command"};
  if (kind) {
    auto s = read_string(kind, sink, m.where("kind"));
    if (s == "kamailio")
      st.kind = StartKind::kamailio;
    else if (s == "baresip")
      st.kind = StartKind::baresip;
    else if (s == "sipp")
      st.kind = StartKind::sipp;
    else if (s == "command")
      st.kind = StartKind::command;
    else {
      if (s) {
        sink.error(pos_of(kind), "unknown kind '" + *s + "' for " + m.where("kind") +
                                     hint_or_list(*s, kinds, "known kinds are "));
      }
      good = false;
    }
  } else if (!command) {
    sink.error(m.pos(), what + " needs 'kind' (kamailio, baresip or sipp) or 'command'");
    good = false;
  }
  auto only_for = [&](std::string_view key, StartKind k, Node node) {
    if (node && good && st.kind != k) {
      sink.error(pos_of(node), "'" + std::string(key) + "' in " + what + " belongs to kind " +
                                   std::string(to_string(k)) + ", not " +
                                   std::string(to_string(st.kind)));
      return false;
    }
    return true;
  };
  if (command) {
    if (only_for("command", StartKind::command, command)) {
      if (auto v = read_strings(command, sink, m.where("command"))) st.command = *v;
    }
  } else if (good && st.kind == StartKind::command) {
    m.missing("command");
  }
  if (Node c = m.get("config")) {
    if (good && st.kind != StartKind::kamailio && st.kind != StartKind::baresip) {
      sink.error(pos_of(c), "'config' in " + what + " belongs to kinds kamailio and baresip");
    } else {
      st.config = read_string(c, sink, m.where("config")).value_or("");
    }
  } else if (good && st.kind == StartKind::kamailio) {
    m.missing("config");
  }
  if (Node s = m.get("scenario")) {
    if (only_for("scenario", StartKind::sipp, s))
      st.scenario = read_string(s, sink, m.where("scenario")).value_or("");
  } else if (good && st.kind == StartKind::sipp) {
    m.missing("scenario");
  }
  if (Node d = m.get("defines")) {
    if (only_for("defines", StartKind::kamailio, d)) {
      if (auto v = read_strings(d, sink, m.where("defines"))) st.defines = *v;
    }
  }
  if (Node d = m.get("set")) {
    if (only_for("set", StartKind::kamailio, d)) {
      MapReader sm(d, sink, m.where("set"));
      for (auto& [key, value] : sm.entries()) {
        if (!key.is_scalar()) continue;
        sm.get(key.str());
        auto v = read_string(value, sink, sm.where(key.str()));
        bool name_ok = !key.str().empty() &&
                       key.str().find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
                           std::string::npos;
        if (!name_ok) {
          sink.error(pos_of(key), "bad name '" + key.str() + "' in " + m.where("set") +
                                      "; Kamailio substitutions are upper-case names such as "
                                      "CHILDREN");
        } else if (v && v->find('!') != std::string::npos) {
          sink.error(pos_of(value), "'!' cannot appear in " + sm.where(key.str()) +
                                        " (it delimits Kamailio's --substdef)");
        } else if (v) {
          st.set[key.str()] = *v;
        }
      }
      sm.finish();
    }
  }
  if (Node a = m.get("args")) {
    if (auto v = read_string_list(a, sink, m.where("args"))) st.args = *v;
  }
  // The probe: per kind unless given.
  switch (st.kind) {
    case StartKind::kamailio:
      st.ready = ReadyProbe::sip_options;
      break;
    case StartKind::baresip:
      st.ready = ReadyProbe::control;
      break;
    case StartKind::sipp:
      st.ready = ReadyProbe::udp;
      break;
    case StartKind::command:
      st.ready = ReadyProbe::none;
      break;
  }
  Node ready = m.get("ready");
  Node ready_log = m.get("ready_log");
  if (ready && ready_log) {
    sink.error(pos_of(ready_log), what + " has both 'ready' and 'ready_log'; give one");
  } else if (ready) {
    static const std::vector<std::string> probes{"sip-options", "control", "udp", "tcp", "none"};
    auto s = read_string(ready, sink, m.where("ready"));
    if (s == "sip-options")
      st.ready = ReadyProbe::sip_options;
    else if (s == "control" && good && st.kind == StartKind::baresip)
      st.ready = ReadyProbe::control;
    else if (s == "control")
      sink.error(pos_of(ready), "probe 'control' in " + what + " belongs to kind baresip");
    else if (s == "udp")
      st.ready = ReadyProbe::udp;
    else if (s == "tcp")
      st.ready = ReadyProbe::tcp;
    else if (s == "none")
      st.ready = ReadyProbe::none;
    else if (s) {
      sink.error(pos_of(ready), "unknown probe '" + *s + "' for " + m.where("ready") +
                                    hint_or_list(*s, probes, "probes are "));
    }
  } else if (ready_log) {
    st.ready_log = read_string(ready_log, sink, m.where("ready_log")).value_or("");
    st.ready = ReadyProbe::log_line;
    if (st.ready_log.empty()) sink.error(pos_of(ready_log), "empty text for " + m.where("ready_log"));
  } else if (good && st.kind == StartKind::command) {
    sink.error(m.pos(), what + " runs a command: say when it is ready with 'ready' "
                               "(sip-options, udp, tcp or none) or 'ready_log: TEXT'");
  }
  if (Node w = m.get("within")) {
    if (auto d = read_duration(w, sink, m.where("within"))) {
      if (d->count() <= 0)
        sink.error(pos_of(w), "expected a duration above zero for " + m.where("within"));
      else
        st.within = *d;
    }
  }
  m.finish();
  if (!good) return std::nullopt;
  return st;
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
  if (Node st = m.get("start")) {
    if (r.played_by == PlayedBy::harness) {
      sink.error(pos_of(st), "'start' in role " + id +
                                 " starts a component of a 'dut' or 'external' role; the harness "
                                 "plays this one itself");
    } else {
      r.start = read_start(st, sink, r);
    }
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

std::string_view to_string(StartKind k) {
  switch (k) {
    case StartKind::kamailio:
      return "kamailio";
    case StartKind::baresip:
      return "baresip";
    case StartKind::sipp:
      return "sipp";
    case StartKind::command:
      return "command";
  }
  return "?";
}

std::string_view to_string(ReadyProbe p) {
  switch (p) {
    case ReadyProbe::sip_options:
      return "sip-options";
    case ReadyProbe::control:
      return "control";
    case ReadyProbe::udp:
      return "udp";
    case ReadyProbe::tcp:
      return "tcp";
    case ReadyProbe::log_line:
      return "ready_log";
    case ReadyProbe::none:
      return "none";
  }
  return "?";
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
