#include "checker/expect.h"

#include <algorithm>
#include <string>

namespace ladder::checker {
namespace {

using scenario::Presence;

using core::iequals;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = core::ascii_lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// ";a=1;b;c=\"x\"" -> {{"a","1"},{"b",""},{"c","\"x\""}}
sip::Params parse_params(std::string_view s) {
  sip::Params out;
  while (!s.empty()) {
    if (s.front() == ';') s.remove_prefix(1);
    std::size_t end = 0;
    bool quoted = false;
    while (end < s.size() && (quoted || s[end] != ';')) {
      if (s[end] == '"') quoted = !quoted;
      ++end;
    }
    std::string_view item = trim(s.substr(0, end));
    s.remove_prefix(end);
    if (item.empty()) continue;
    std::size_t eq = item.find('=');
    std::string name = lower(trim(item.substr(0, eq)));
    std::string value = eq == std::string_view::npos ? "" : std::string(trim(item.substr(eq + 1)));
    out.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

std::optional<std::string> find(const sip::Params& ps, std::string_view name) {
  for (const auto& [n, v] : ps) {
    if (n == name) return v;
  }
  return std::nullopt;
}

class Checker {
 public:
  Checker(const scenario::Step& step, const scenario::Bindings& b, scenario::Bindings* saved,
          std::vector<Failure>& out)
      : step_(step), b_(b), saved_(saved), out_(out) {}

  void fail(core::FailureKind kind, std::string header, std::string expected, std::string seen,
            std::string sentence) {
    Failure f;
    f.step = step_.id;
    f.kind = kind;
    f.header = std::move(header);
    f.expected = std::move(expected);
    f.seen = std::move(seen);
    f.message = std::move(sentence);
    out_.push_back(std::move(f));
  }

  // Tests each StringMatch; names `what` ("Contact", "Request-URI user") in failures.
  void matches(const std::vector<scenario::StringMatch>& ms, std::string_view subject,
               const std::string& header, const std::string& what) {
    for (const scenario::StringMatch& m : ms) {
      std::string missing;
      auto ok = scenario::test(m, subject, b_, &missing);
      if (ok && *ok) continue;  // the passing path builds no text: bulk checks run it per call
      std::string expected = describe(m);
      if (!ok) {
        fail(core::FailureKind::header, header, expected, std::string(subject),
             what + ": cannot evaluate '" + m.value.source + "': " + missing + " has no value");
        out_.back().unbound = missing;
        if (m.op == scenario::MatchOp::equals) out_.back().unbound_equals = m.value.source;
      } else {
        fail(core::FailureKind::header, header, expected, std::string(subject),
             what + ": expected " + expected + ", seen '" + std::string(subject) + "'");
      }
    }
  }

  std::string describe(const scenario::StringMatch& m) {
    auto value = scenario::expand(m.value, b_);
    std::string v = value ? *value : m.value.source;
    switch (m.op) {
      case scenario::MatchOp::equals: return "'" + v + "'";
      case scenario::MatchOp::matches: return "to match /" + v + "/";
      case scenario::MatchOp::contains: return "to contain '" + v + "'";
    }
    return v;
  }

  void value_check(const scenario::ValueCheck& c, const std::optional<std::string>& value,
                   const std::string& header, const std::string& what) {
    bool want_present = c.presence == Presence::present || !c.match.empty();
    if (c.presence == Presence::absent && value) {
      fail(core::FailureKind::header, header, "absent", *value, what + ": expected absent, seen '" + *value + "'");
      return;
    }
    if (want_present && !value) {
      fail(core::FailureKind::header, header, "present", "absent", what + ": expected present, seen absent");
      return;
    }
    if (value) matches(c.match, *value, header, what);
  }

  void params(const std::vector<scenario::ParamCheck>& checks, const sip::Params& ps,
              const std::string& header, const std::string& what) {
    for (const scenario::ParamCheck& pc : checks) {
      value_check(pc.check, find(ps, lower(pc.name)), header, what + " parameter " + pc.name);
    }
  }

  void uri(const scenario::UriExpectation& e, std::string_view text, const std::string& header,
           const std::string& what) {
    matches(e.match, text, header, what);
    auto u = sip::parse_uri(text);
    if (!u) {
      if (e.scheme || e.user || e.host || e.port || !e.params.empty()) {
        fail(core::FailureKind::header, header, "a SIP URI", std::string(text),
             what + ": expected a SIP URI, seen '" + std::string(text) + "'");
      }
      return;
    }
    auto opt = [](const std::string& s) { return s.empty() ? std::nullopt : std::optional(s); };
    if (e.scheme) value_check(*e.scheme, opt(u->scheme), header, what + " scheme");
    if (e.user) value_check(*e.user, opt(u->user), header, what + " user");
    if (e.host) value_check(*e.host, opt(u->host), header, what + " host");
    if (e.port) {
      value_check(*e.port, u->port ? std::optional(std::to_string(u->port)) : std::nullopt,
                  header, what + " port");
    }
    params(e.params, u->params, header, what);
  }

  void header(const scenario::HeaderExpectation& h, const sip::Message& m) {
    sip::Views values = m.header_views(h.name);
    const std::string& name = h.name;
    if (h.presence == Presence::absent) {
      if (!values.empty()) {
        fail(core::FailureKind::header, name, "absent", std::string(values.front()),
             name + ": expected absent, seen '" + std::string(values.front()) + "'");
      }
      return;
    }
    if (values.empty()) {
      bool other = h.count || !h.value.empty() || h.uri || !h.params.empty() || h.save;
      if (h.presence == Presence::present || other) {
        if (!(h.count && *h.count == 0)) {
          fail(core::FailureKind::header, name, "present", "absent", name + ": expected present, seen absent");
        }
      }
      return;
    }
    if (h.count && static_cast<int>(values.size()) != *h.count) {
      fail(core::FailureKind::header, name, std::to_string(*h.count) + " values", std::to_string(values.size()),
           name + ": expected " + std::to_string(*h.count) + " values, seen " +
               std::to_string(values.size()));
    }
    // The values checked: all of them, or the one at `index`.
    std::size_t first = 0, last = values.size();
    if (!h.every) {
      int idx = h.index < 0 ? static_cast<int>(values.size()) + h.index : h.index;
      if (idx < 0 || idx >= static_cast<int>(values.size())) {
        fail(core::FailureKind::header, name, "a value at index " + std::to_string(h.index),
             std::to_string(values.size()) + " values",
             name + ": expected a value at index " + std::to_string(h.index) + ", seen " +
                 std::to_string(values.size()) + " values");
        return;
      }
      first = static_cast<std::size_t>(idx);
      last = first + 1;
    }
    for (std::size_t i = first; i < last; ++i) {
      std::string_view v = values[i];
      std::string what = h.every && values.size() > 1 ? name + "[" + std::to_string(i) + "]" : name;
      matches(h.value, v, name, what);
      if (h.uri || !h.params.empty() || (h.save && (h.save->param || h.save->uri))) {
        ValueParts parts = split_value(name, v);
        if (h.uri) uri(*h.uri, parts.uri, name, what + " URI");
        params(h.params, parts.params, name, what);
        if (h.save && h.save->param) {
          if (auto p = find(parts.params, lower(*h.save->param))) save(h.save->var, *p);
        }
        if (h.save && h.save->uri && i == first) save(h.save->var, parts.uri);
      }
    }
    if (h.save && !h.save->param && !h.save->uri) save(h.save->var, std::string(values[first]));
  }

  void body(const scenario::BodyExpectation& e, const sip::Message& m) {
    std::string_view body = m.body();
    if (e.content_type) {
      auto ct = m.header_view("Content-Type");
      std::string_view type = ct ? trim(ct->substr(0, ct->find(';'))) : std::string_view();
      if (!ct || !iequals(type, *e.content_type)) {
        std::string seen = lower(type);
        fail(core::FailureKind::body, "Content-Type", *e.content_type, ct ? seen : "absent",
             "Content-Type: expected '" + *e.content_type + "', seen " +
                 (ct ? "'" + seen + "'" : std::string("absent")));
      }
    }
    if (e.empty && *e.empty != body.empty()) {
      fail(core::FailureKind::body, "", *e.empty ? "empty" : "a body", std::to_string(body.size()) + " bytes",
           std::string("body: expected ") + (*e.empty ? "empty" : "a body") + ", seen " +
               std::to_string(body.size()) + " bytes");
    }
    for (const scenario::StringMatch& sm : e.text) {
      std::string missing;
      auto ok = scenario::test(sm, body, b_, &missing);
      if (!ok || !*ok) {
        fail(core::FailureKind::body, "", describe(sm), std::string(body.substr(0, 200)),
             "body: expected " + describe(sm) + (ok ? "" : " (" + missing + " has no value)"));
      }
    }
    if (e.sdp_lines.empty() && e.sdp_absent_lines.empty()) return;
    std::vector<std::string_view> lines;
    for (std::size_t pos = 0; pos < body.size();) {
      std::size_t nl = body.find('\n', pos);
      if (nl == std::string_view::npos) nl = body.size();
      lines.push_back(trim(body.substr(pos, nl - pos)));
      pos = nl + 1;
    }
    auto has_line = [&lines](std::string_view l) {
      return std::find(lines.begin(), lines.end(), l) != lines.end();
    };
    for (const scenario::Template& t : e.sdp_lines) {
      auto line = scenario::expand(t, b_);
      if (line && !has_line(*line)) {
        fail(core::FailureKind::body, "", "line '" + *line + "'", "absent",
             "body: expected the line '" + *line + "', not there");
      }
    }
    for (const scenario::Template& t : e.sdp_absent_lines) {
      auto line = scenario::expand(t, b_);
      if (line && has_line(*line)) {
        fail(core::FailureKind::body, "", "no line '" + *line + "'", *line,
             "body: expected no line '" + *line + "', but it is there");
      }
    }
  }

 private:
  const scenario::Step& step_;
  void save(const std::string& var, std::string value) {
    if (saved_ != nullptr) saved_->variables[var] = std::move(value);
  }

  const scenario::Bindings& b_;
  scenario::Bindings* saved_;
  std::vector<Failure>& out_;
};

}  // namespace

ValueParts split_value(std::string_view header, std::string_view value) {
  ValueParts parts;
  std::string h = lower(sip::canonical_name(header));
  if (h == "via") {
    // "SIP/2.0/UDP host:port;branch=..": the sent-by is the "URI", then parameters.
    std::size_t semi = value.find(';');
    parts.uri = std::string(trim(value.substr(0, semi)));
    if (semi != std::string_view::npos) parts.params = parse_params(value.substr(semi));
    return parts;
  }
  std::size_t lt = value.find('<');
  if (lt != std::string_view::npos) {
    std::size_t gt = value.find('>', lt);
    parts.uri = std::string(value.substr(lt + 1, gt == std::string_view::npos ? gt : gt - lt - 1));
    if (gt != std::string_view::npos) parts.params = parse_params(value.substr(gt + 1));
    return parts;
  }
  // addr-spec without <>: parameters after it belong to the header (RFC 3261 20.10).
  std::size_t semi = value.find(';');
  parts.uri = std::string(trim(value.substr(0, semi)));
  if (semi != std::string_view::npos) parts.params = parse_params(value.substr(semi));
  return parts;
}

void check_expectations(const scenario::Step& step, const sip::Message& message,
                        const scenario::Bindings& bindings, scenario::Bindings* saved,
                        std::vector<Failure>& out) {
  Checker c(step, bindings, saved, out);
  const sip::Summary& s = message.summary();
  if (step.request_uri && s.is_request) {
    c.uri(*step.request_uri, s.request_uri, "Request-URI", "Request-URI");
  }
  if (step.reason && !s.is_request && s.reason != *step.reason) {
    c.fail(core::FailureKind::header, "Status-Line", "'" + *step.reason + "'", std::string(s.reason),
           "reason phrase: expected '" + *step.reason + "', seen '" + std::string(s.reason) + "'");
  }
  for (const scenario::HeaderExpectation& h : step.headers) c.header(h, message);
  if (step.body) c.body(*step.body, message);
}

}  // namespace ladder::checker
