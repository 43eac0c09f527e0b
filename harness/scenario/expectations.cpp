// Parsing of what a step expects of a message: headers, URIs, parameters, body; and `send:`.
#include <algorithm>

#include "scenario/loader_internal.h"

namespace ladder::scenario::detail {

namespace {

bool is_var_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The pattern with each placeholder replaced by a plain word: good enough to find syntax errors
// at load; the checker compiles the real pattern once the values are known.
std::string syntax_probe(const Template& t) {
  std::string out;
  for (const TemplatePart& p : t.parts) out += p.kind == TemplatePart::Kind::literal ? p.text : "x";
  return out;
}

std::optional<StringMatch> read_match(MatchOp op, const Node& n, Sink& sink,
                                      const std::string& where) {
  auto t = read_template(n, sink, where);
  if (!t) return std::nullopt;
  StringMatch m;
  m.op = op;
  m.value = std::move(*t);
  if (op == MatchOp::matches) {
    std::string error;
    auto re = Pattern::compile(syntax_probe(m.value), &error);
    if (!re) {
      sink.error(pos_of(n), "invalid regex '" + m.value.source + "' for " + where + ": " + error);
      return std::nullopt;
    }
    if (m.value.is_literal()) m.regex = std::move(re);
  }
  return m;
}

// equals / matches / contains keys of a map, in that order.
void read_matches(MapReader& m, Sink& sink, std::vector<StringMatch>& out) {
  static constexpr std::pair<const char*, MatchOp> ops[] = {
      {"equals", MatchOp::equals}, {"matches", MatchOp::matches}, {"contains", MatchOp::contains}};
  for (const auto& [key, op] : ops) {
    Node n = m.get(key);
    if (!n) continue;
    if (auto sm = read_match(op, n, sink, m.where(key))) out.push_back(std::move(*sm));
  }
}

// `present` / `absent` keys: booleans, "present: true" same as "absent: false".
void read_presence(MapReader& m, Sink& sink, Presence& presence) {
  if (Node n = m.get("present")) {
    if (auto b = read_bool(n, sink, m.where("present")))
      presence = *b ? Presence::present : Presence::absent;
  }
  if (Node n = m.get("absent")) {
    if (auto b = read_bool(n, sink, m.where("absent")))
      presence = *b ? Presence::absent : Presence::present;
  }
}

// A URI part or a parameter: "present", "absent", a string to equal, or a map.
std::optional<ValueCheck> read_value_check(const Node& n, Sink& sink, const std::string& what) {
  ValueCheck vc;
  vc.pos = pos_of(n);
  if (n.defined() && n.is_scalar()) {
    if (n.scalar() == "present")
      vc.presence = Presence::present;
    else if (n.scalar() == "absent")
      vc.presence = Presence::absent;
    else if (auto sm = read_match(MatchOp::equals, n, sink, what))
      vc.match.push_back(std::move(*sm));
    else
      return std::nullopt;
    return vc;
  }
  MapReader m(n, sink, what);
  if (!m.ok()) return std::nullopt;
  read_presence(m, sink, vc.presence);
  read_matches(m, sink, vc.match);
  m.finish();
  return vc;
}

std::vector<ParamCheck> read_params(const Node& n, Sink& sink, const std::string& what) {
  std::vector<ParamCheck> out;
  MapReader m(n, sink, what);
  for (auto& [key, value] : m.entries()) {
    auto name = read_string(key, sink, "a parameter name in " + what);
    if (!name) continue;
    if (auto vc = read_value_check(value, sink, "parameter '" + *name + "' in " + what)) {
      out.push_back({*name, std::move(*vc)});
    }
  }
  return out;
}

std::optional<SaveSpec> read_save(const Node& n, Sink& sink, const std::string& where) {
  SaveSpec s;
  s.pos = pos_of(n);
  if (n.defined() && n.is_scalar()) {
    s.var = n.str();
  } else {
    MapReader m(n, sink, where);
    if (!m.ok()) return std::nullopt;
    if (Node v = m.get("var")) {
      if (auto str = read_string(v, sink, m.where("var"))) s.var = *str;
    } else {
      m.missing("var");
    }
    if (Node p = m.get("param")) s.param = read_string(p, sink, m.where("param"));
    if (Node u = m.get("uri")) s.uri = read_bool(u, sink, m.where("uri")).value_or(false);
    if (s.param && s.uri) {
      sink.error(m.key_pos("uri"), "'uri' and 'param' in " + where + "; save one of them");
    }
    m.finish();
    if (s.var.empty()) return std::nullopt;
  }
  if (!is_var_name(s.var)) {
    sink.error(s.pos,
               "bad variable name '" + s.var + "' for " + where + "; use letters, digits and '_'");
    return std::nullopt;
  }
  return s;
}

std::optional<HeaderExpectation> read_header(const std::string& name, const Node& n, Sink& sink,
                                             const std::string& what) {
  HeaderExpectation h;
  h.name = name;
  h.pos = pos_of(n);
  const std::string where = "header '" + name + "' in " + what;
  if (n.defined() && n.is_scalar()) {
    if (n.scalar() == "present")
      h.presence = Presence::present;
    else if (n.scalar() == "absent")
      h.presence = Presence::absent;
    else {
      sink.error(pos_of(n), "expected 'present', 'absent' or a map for " + where + ", found " +
                                describe(n) + "; to compare the value write {equals: " + n.str() +
                                "}");
      return std::nullopt;
    }
    return h;
  }
  MapReader m(n, sink, where);
  if (!m.ok()) return std::nullopt;
  read_presence(m, sink, h.presence);
  read_matches(m, sink, h.value);
  if (Node c = m.get("count")) {
    if (auto v = read_int(c, sink, m.where("count"))) {
      if (*v < 0)
        sink.error(pos_of(c),
                   "bad count " + std::to_string(*v) + " for " + where + "; expected 0 or more");
      else
        h.count = *v;
    }
  }
  if (Node i = m.get("index")) {
    if (i.is_scalar() && i.scalar() == "all")
      h.every = true;
    else if (auto v = read_int(i, sink, m.where("index")))
      h.index = *v;
  }
  if (Node u = m.get("uri")) h.uri = parse_uri(u, sink, "'uri' of " + where);
  if (Node p = m.get("param")) h.params = read_params(p, sink, "'param' of " + where);
  if (Node p = m.get("uri_param")) {
    auto params = read_params(p, sink, "'uri_param' of " + where);
    if (!h.uri) {
      h.uri.emplace();
      h.uri->pos = pos_of(p);
    }
    for (auto& pc : params) h.uri->params.push_back(std::move(pc));
  }
  if (Node s = m.get("save")) h.save = read_save(s, sink, m.where("save"));
  m.finish();
  return h;
}

}  // namespace

std::optional<UriExpectation> parse_uri(const Node& n, Sink& sink, const std::string& what) {
  UriExpectation u;
  u.pos = pos_of(n);
  if (n.defined() && n.is_scalar()) {
    auto sm = read_match(MatchOp::equals, n, sink, what);
    if (!sm) return std::nullopt;
    u.match.push_back(std::move(*sm));
    return u;
  }
  MapReader m(n, sink, what);
  if (!m.ok()) return std::nullopt;
  read_matches(m, sink, u.match);
  static constexpr std::pair<const char*, std::optional<ValueCheck> UriExpectation::*> parts[] = {
      {"scheme", &UriExpectation::scheme},
      {"user", &UriExpectation::user},
      {"host", &UriExpectation::host},
      {"port", &UriExpectation::port}};
  for (const auto& [key, member] : parts) {
    if (Node p = m.get(key)) u.*member = read_value_check(p, sink, m.where(key));
  }
  if (Node p = m.get("param")) u.params = read_params(p, sink, "'param' of " + what);
  m.finish();
  return u;
}

std::vector<HeaderExpectation> parse_headers(const Node& node, Sink& sink,
                                             const std::string& what) {
  std::vector<HeaderExpectation> out;
  MapReader m(node, sink, "'headers' in " + what);
  for (auto& [key, value] : m.entries()) {
    auto name = read_string(key, sink, "a header name in " + what);
    if (!name) continue;
    // A list checks several values of one header: Via: [{index: 0, ...}, {index: 1, ...}].
    if (value.is_sequence()) {
      for (const Node& item : value.items()) {
        if (auto h = read_header(*name, item, sink, what)) out.push_back(std::move(*h));
      }
    } else if (auto h = read_header(*name, value, sink, what)) {
      out.push_back(std::move(*h));
    }
  }
  return out;
}

std::optional<BodyExpectation> parse_body(const Node& node, Sink& sink, const std::string& what) {
  BodyExpectation b;
  b.pos = pos_of(node);
  MapReader m(node, sink, "'body' in " + what);
  if (!m.ok()) return std::nullopt;
  if (Node c = m.get("content_type"))
    b.content_type = read_string(c, sink, m.where("content_type"));
  if (Node c = m.get("contains")) {
    if (c.is_sequence()) {
      for (const Node& item : c.items()) {
        if (auto sm = read_match(MatchOp::contains, item, sink, m.where("contains")))
          b.text.push_back(std::move(*sm));
      }
    } else if (auto sm = read_match(MatchOp::contains, c, sink, m.where("contains"))) {
      b.text.push_back(std::move(*sm));
    }
  }
  if (Node r = m.get("matches")) {
    if (auto sm = read_match(MatchOp::matches, r, sink, m.where("matches")))
      b.text.push_back(std::move(*sm));
  }
  if (Node e = m.get("empty")) b.empty = read_bool(e, sink, m.where("empty"));
  if (Node s = m.get("sdp")) {
    MapReader sdp(s, sink, "'sdp' in 'body' of " + what);
    auto lines = [&](const char* key, std::vector<Template>& out) {
      Node l = sdp.get(key);
      if (!l) return;
      if (!l.is_sequence()) {
        sink.error(pos_of(l), "expected a list for " + sdp.where(key) + ", found " + describe(l));
        return;
      }
      for (const Node& item : l.items()) {
        if (auto t = read_template(item, sink, sdp.where(key))) out.push_back(std::move(*t));
      }
    };
    lines("lines", b.sdp_lines);
    lines("absent", b.sdp_absent_lines);
    sdp.finish();
  }
  m.finish();
  return b;
}

std::optional<SendSpec> parse_send(const Node& node, Sink& sink, const std::string& what) {
  SendSpec s;
  s.pos = pos_of(node);
  MapReader m(node, sink, "'send' in " + what);
  if (!m.ok()) return std::nullopt;
  if (Node h = m.get("headers")) {
    MapReader hm(h, sink, "'headers' of 'send' in " + what);
    for (auto& [key, value] : hm.entries()) {
      auto name = read_string(key, sink, "a header name in 'send' of " + what);
      if (!name) continue;
      if (auto t = read_template(value, sink, "header '" + *name + "' of 'send' in " + what)) {
        s.headers.emplace_back(*name, std::move(*t));
      }
    }
  }
  if (Node b = m.get("body")) {
    MapReader bm(b, sink, "'body' of 'send' in " + what);
    if (Node t = bm.get("type")) s.body_type = read_string(t, sink, bm.where("type"));
    if (Node t = bm.get("text")) s.body_text = read_template(t, sink, bm.where("text"));
    if (Node p = bm.get("sdp")) {
      if (auto name = read_string(p, sink, bm.where("sdp"))) {
        const auto& presets = sdp_presets();
        if (std::find(presets.begin(), presets.end(), *name) == presets.end()) {
          sink.error(pos_of(p), "unknown SDP preset '" + *name + "' for " + bm.where("sdp") +
                                    hint_or_list(*name, presets, "presets are "));
        } else {
          s.sdp_preset = *name;
          if (!s.body_type) s.body_type = "application/sdp";
        }
      }
    }
    if (bm.ok()) {
      if (bm.has("text") && bm.has("sdp")) {
        sink.error(bm.key_pos("sdp"), "both 'text' and 'sdp' in " + bm.what() + "; give one body");
      } else if (!bm.has("text") && !bm.has("sdp")) {
        bm.missing_one_of({"text", "sdp"});
      } else if (bm.has("text") && !bm.has("type")) {
        bm.missing("type");
      }
    }
    bm.finish();
  }
  m.finish();
  return s;
}

}  // namespace ladder::scenario::detail
