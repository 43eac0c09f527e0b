// The top level of a ladder file: name, roles, dialogs, policy, any_order, steps.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scenario/loader_internal.h"

namespace ladder::scenario {

namespace detail {

namespace {

bool is_role_id(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::optional<RoleKind> read_role_kind(const Node& n, Sink& sink, const std::string& where) {
  auto s = read_string(n, sink, where);
  if (!s) return std::nullopt;
  if (*s == "ua") return RoleKind::ua;
  if (*s == "proxy") return RoleKind::proxy;
  if (*s == "b2bua") return RoleKind::b2bua;
  static const std::vector<std::string> kinds{"ua", "proxy", "b2bua"};
  sink.error(pos_of(n),
             "unknown role kind '" + *s + "' for " + where + hint_or_list(*s, kinds, "expected "));
  return std::nullopt;
}

void add_role(Scenario& sc, Sink& sink, const Node& key, std::optional<RoleKind> kind) {
  auto id = read_string(key, sink, "a role in 'roles'");
  if (!id) return;
  if (!is_role_id(*id)) {
    sink.error(pos_of(key), "bad role id '" + *id + "'; use letters, digits and '_' (A, B, P)");
    return;
  }
  if (const Role* prev = sc.find_role(*id)) {
    sink.error(pos_of(key), "duplicate role '" + *id + "'; first declared at line " +
                                std::to_string(prev->pos.line));
    return;
  }
  sc.roles.push_back({*id, kind.value_or(RoleKind::ua), pos_of(key)});
}

// roles: [A, B, P: proxy] or [A, B, {P: proxy}] or {A: ua, P: proxy}
void read_roles(const Node& n, Scenario& sc, Sink& sink) {
  if (n.is_sequence()) {
    for (const Node& item : n.items()) {
      if (item.is_map()) {
        for (const auto& [key, value] : item.entries()) {
          add_role(sc, sink, key, read_role_kind(value, sink, "role '" + key.as_string("") + "'"));
        }
      } else {
        add_role(sc, sink, item, RoleKind::ua);
      }
    }
    return;
  }
  if (n.is_map()) {
    for (const auto& [key, value] : n.entries()) {
      add_role(sc, sink, key, read_role_kind(value, sink, "role '" + key.as_string("") + "'"));
    }
    return;
  }
  sink.error(pos_of(n), "expected a list or a map for 'roles', found " + describe(n));
}

void read_dialogs(const Node& n, Scenario& sc, Sink& sink) {
  MapReader m(n, sink, "'dialogs'");
  std::set<std::string, std::less<>> seen;  // a ladder drafted from a capture has thousands
  for (auto& [key, value] : m.entries()) {
    auto label = read_string(key, sink, "a dialog label in 'dialogs'");
    if (!label) continue;
    if (!seen.insert(*label).second) {
      sink.error(pos_of(key), "duplicate dialog '" + *label + "'");
      continue;
    }
    auto state = read_string(value, sink, "dialog '" + *label + "'");
    if (!state) continue;
    Dialog d{*label, DialogState::fresh, pos_of(key)};
    if (*state == "established")
      d.state = DialogState::established;
    else if (*state != "new") {
      sink.error(pos_of(value), "unknown dialog state '" + *state + "' for dialog '" + *label +
                                    "'" +
                                    hint_or_list(*state, {"established", "new"}, "expected "));
      continue;
    }
    sc.dialogs.push_back(std::move(d));
  }
}

void read_policy(const Node& n, Policy& p, Sink& sink) {
  MapReader m(n, sink, "'policy'");
  if (!m.ok()) return;
  if (Node e = m.get("extra_messages")) {
    if (auto s = read_string(e, sink, m.where("extra_messages"))) {
      if (*s == "fail")
        p.extra_messages = ExtraMessages::fail;
      else if (*s == "warn")
        p.extra_messages = ExtraMessages::warn;
      else if (*s == "ignore")
        p.extra_messages = ExtraMessages::ignore;
      else {
        sink.error(pos_of(e), "unknown value '" + *s + "' for " + m.where("extra_messages") +
                                  hint_or_list(*s, {"fail", "warn", "ignore"}, "expected "));
      }
    }
  }
  if (Node s = m.get("strict_order"))
    p.strict_order = read_bool(s, sink, m.where("strict_order")).value_or(false);
  if (Node r = m.get("record_route")) p.record_route = read_bool(r, sink, m.where("record_route"));
  if (Node t = m.get("step_timeout"))
    p.step_timeout = read_duration(t, sink, m.where("step_timeout"));
  if (Node w = m.get("waive")) {
    if (auto kinds = read_string_list(w, sink, m.where("waive"))) {
      for (std::size_t i = 0; i < kinds->size(); ++i) {
        const std::string& k = (*kinds)[i];
        const auto& known = waivable_kinds();
        if (std::find(known.begin(), known.end(), k) == known.end()) {
          SourcePos at = w.is_sequence() && i < w.size() ? pos_of(w[i]) : pos_of(w);
          sink.error(at, "unknown failure kind '" + k + "' in " + m.where("waive") +
                             hint_or_list(k, known, "expected "));
        } else {
          p.waive.push_back(k);
        }
      }
    }
  }
  m.finish();
}

void read_any_order(const Node& n, ParsedScenario& ps, Sink& sink) {
  if (!n.is_sequence()) {
    sink.error(pos_of(n),
               "expected a list of lists of step ids for 'any_order', found " + describe(n));
    return;
  }
  for (const Node& group : n.items()) {
    if (!group.is_sequence()) {
      sink.error(pos_of(group),
                 "expected a list of step ids in 'any_order', found " + describe(group));
      continue;
    }
    std::vector<Ref> refs;
    for (const Node& id : group.items()) {
      if (auto s = read_step_ref(id, sink, "'any_order'")) refs.push_back({*s, pos_of(id)});
    }
    ps.any_order.push_back(std::move(refs));
  }
}

}  // namespace

namespace {

// The first pass. The YAML tree dies when it returns: validation no longer needs it, and on a
// long ladder it is the second largest thing in memory after the steps.
bool parse(std::string_view text, const std::string& name, ParsedScenario& ps, Sink& sink) {
  auto doc = parse_yaml(text, sink);
  if (!doc) return false;
  Scenario& sc = ps.scenario;
  sc.source = name;
  MapReader m(doc->root(), sink, "the ladder file");
  if (!m.ok()) return false;

  if (Node n = m.get("name"))
    sc.name = read_string(n, sink, m.where("name")).value_or("");
  else
    sc.name = std::filesystem::path(name).stem().string();
  if (Node n = m.get("summary")) sc.summary = read_string(n, sink, m.where("summary")).value_or("");
  if (Node n = m.get("tags"))
    sc.tags = read_string_list(n, sink, m.where("tags")).value_or(std::vector<std::string>{});
  if (Node n = m.get("roles"))
    read_roles(n, sc, sink);
  else
    m.missing("roles");
  if (Node n = m.get("dialogs")) read_dialogs(n, sc, sink);
  if (Node n = m.get("policy")) read_policy(n, sc.policy, sink);
  if (Node n = m.get("any_order")) read_any_order(n, ps, sink);
  if (Node n = m.get("steps")) {
    if (!n.is_sequence()) {
      sink.error(pos_of(n), "expected a list for 'steps', found " + describe(n));
    } else if (n.size() == 0) {
      sink.error(pos_of(n), "'steps' is empty; a ladder needs at least one step");
    } else {
      int number = 0;
      // A step is over a kilobyte: no doubling on long ladders, and no reallocation either,
      // since each ParsedStep points at its Step.
      sc.steps.reserve(n.size());
      ps.steps.reserve(n.size());
      for (std::size_t i = 0; i < n.size(); ++i) {
        ps.steps.push_back(parse_step(n[i], ++number, sink, sc.steps.emplace_back()));
      }
    }
  } else {
    m.missing("steps");
  }
  m.finish();
  return true;
}

}  // namespace

std::optional<Scenario> load(std::string_view text, std::string name, Sink& sink) {
  ParsedScenario ps;
  if (!parse(text, name, ps, sink)) return std::nullopt;
  validate(ps, sink);
  if (sink.has_errors()) return std::nullopt;
  return std::move(ps.scenario);
}

std::optional<std::string> read_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = std::string("cannot read file: ") + std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace detail

LoadResult load_scenario_text(std::string_view text, std::string name) {
  detail::Sink sink(name, text);
  LoadResult r;
  r.scenario = detail::load(text, std::move(name), sink);
  r.diagnostics = sink.take();
  return r;
}

LoadResult load_scenario(const std::string& path) {
  std::string error;
  auto text = detail::read_file(path, &error);
  if (!text) return {std::nullopt, {core::Diagnostic{core::Severity::error, path, error}}};
  return load_scenario_text(*text, path);
}

namespace {
// A file with a top-level `steps:` is a ladder, else a testbed. An unreadable file is taken
// for a ladder, whose loader then says why it cannot be read.
bool is_ladder(const std::string& path) {
  std::ifstream in(path);
  if (!in) return true;
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("steps:")) return true;
  }
  return false;
}
}  // namespace

FileCheck validate_file(const std::string& path) {
  FileCheck out;
  if (is_ladder(path)) {
    LoadResult r = load_scenario(path);
    out.ok = r.ok();
    out.diagnostics = std::move(r.diagnostics);
  } else {
    TestbedResult r = load_testbed(path);
    out.ok = r.ok();
    out.diagnostics = std::move(r.diagnostics);
  }
  return out;
}

}  // namespace ladder::scenario
