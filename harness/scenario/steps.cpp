// Parsing of one element of `steps:` into a ParsedStep (references kept as written).
#include <algorithm>

#include "scenario/loader_internal.h"

namespace ladder::scenario::detail {

namespace {

bool read_verb(const Node& node, Sink& sink, const std::string& what, StepAction& a) {
  auto verb = read_string(node, sink, what);
  if (!verb) return false;
  const auto& verbs = action_verbs();
  if (std::find(verbs.begin(), verbs.end(), *verb) == verbs.end()) {
    std::string known;
    for (std::string_view v : verbs) known += (known.empty() ? "" : ", ") + std::string(v);
    sink.error(pos_of(node), "unknown verb '" + *verb + "' in " + what + "; one of " + known);
    return false;
  }
  a.verb = *verb;
  return true;
}

/// `action: VERB`, or `action: {verb: VERB, press: [KEY, ...]}` with either or both: the verb
/// a handset's step is caused by, and key names a driver presses, in order. Each key is a plain
/// name or digit (letters, digits, '_', '*', '#'): it goes into a URL or a prompt as is.
std::optional<StepAction> parse_action(const Node& node, Sink& sink, const std::string& what) {
  StepAction a;
  a.pos = pos_of(node);
  if (node.is_scalar()) {
    if (!read_verb(node, sink, "'action' in " + what, a)) return std::nullopt;
    return a;
  }
  MapReader m(node, sink, "'action' in " + what);
  if (!m.ok()) return std::nullopt;
  bool good = true;
  if (Node v = m.get("verb")) good = read_verb(v, sink, m.where("verb"), a);
  Node press = m.get("press");
  if (!press) {
    if (a.verb.empty() && good) m.missing("press");
    m.finish();
    if (a.verb.empty()) return std::nullopt;
    return a;
  }
  if (!press.is_sequence() || press.items().empty()) {
    sink.error(pos_of(press), "expected a list of keys for " + m.where("press") +
                                  ", such as [F_TRANSFER, \"1\", POUND]; found " +
                                  (press.is_sequence() ? "an empty list" : describe(press)));
    good = false;
  } else {
    for (const Node& k : press.items()) {
      auto key = read_string(k, sink, "a key in " + m.where("press"));
      if (!key) {
        good = false;
        continue;
      }
      bool plain = !key->empty() && key->size() <= 32 &&
                   std::all_of(key->begin(), key->end(), [](char c) {
                     return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '_' || c == '*' || c == '#';
                   });
      if (!plain) {
        sink.error(pos_of(k), "bad key '" + *key + "' in " + m.where("press") +
                                  "; a key is a name such as OK, F_TRANSFER, POUND or a digit");
        good = false;
        continue;
      }
      a.press.push_back(*key);
    }
  }
  m.finish();
  if (!good) return std::nullopt;
  return a;
}

}  // namespace

namespace {

bool is_method(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
}

std::optional<Ref> read_ref(MapReader& m, std::string_view key, Sink& sink) {
  Node n = m.get(key);
  if (!n) return std::nullopt;
  auto id = read_step_ref(n, sink, m.where(key));
  if (!id) return std::nullopt;
  return Ref{*id, pos_of(n)};
}

void read_within(MapReader& m, Sink& sink, ParsedStep& ps) {
  Node n = m.get("within");
  if (!n) return;
  ps.within_pos = pos_of(n);
  if (n.is_scalar()) {  // `within: 500ms`: of the causal predecessor
    ps.within_max = read_duration(n, sink, m.where("within"));
    return;
  }
  MapReader w(n, sink, m.where("within"));
  if (!w.ok()) return;
  if (Node of = w.get("of")) {
    if (auto id = read_step_ref(of, sink, w.where("of"))) ps.within_of = Ref{*id, pos_of(of)};
  }
  if (Node max = w.get("max"))
    ps.within_max = read_duration(max, sink, w.where("max"));
  else
    w.missing("max");
  w.finish();
}

void read_retransmissions(MapReader& m, Sink& sink, Step& step) {
  Node n = m.get("retransmissions");
  if (!n) return;
  CountRange r;
  if (n.is_scalar()) {
    auto v = read_int(n, sink, m.where("retransmissions"));
    if (!v) return;
    r.min = *v;
    r.max = *v;
  } else {
    MapReader rm(n, sink, m.where("retransmissions"));
    if (!rm.ok()) return;
    if (Node lo = rm.get("min")) r.min = read_int(lo, sink, rm.where("min")).value_or(0);
    if (Node hi = rm.get("max")) r.max = read_int(hi, sink, rm.where("max"));
    rm.finish();
  }
  if (r.min < 0 || (r.max && *r.max < r.min)) {
    sink.error(pos_of(n),
               "bad range for " + m.where("retransmissions") + "; expected 0 <= min <= max");
    return;
  }
  step.retransmissions = r;
}

}  // namespace

ParsedStep parse_step(const Node& node, int number, Sink& sink, Step& step) {
  ParsedStep ps;
  ps.step = &step;
  Step& s = step;
  s.pos = pos_of(node);
  MapReader m(node, sink, "step #" + std::to_string(number));
  if (!m.ok()) return ps;

  bool complete = true;
  if (Node id = m.get("id")) {
    if (auto v = read_string(id, sink, m.where("id"))) {
      s.id = *v;
      m.set_what("step " + s.id);
    } else {
      complete = false;
    }
  } else {
    m.missing("id");
    complete = false;
  }
  const std::string what = m.what();

  if (Node n = m.get("note")) s.note = read_string(n, sink, m.where("note")).value_or("");
  for (auto [key, field, field_pos] :
       {std::tuple{"from", &s.from, &ps.from_pos}, std::tuple{"to", &s.to, &ps.to_pos}}) {
    Node n = m.get(key);
    if (!n) {
      m.missing(key);
      complete = false;
      continue;
    }
    *field_pos = pos_of(n);
    if (auto v = read_string(n, sink, m.where(key)))
      *field = *v;
    else
      complete = false;
  }

  Node request = m.get("request");
  Node response = m.get("response");
  if (request && response) {
    sink.error(m.key_pos("response"),
               "both 'request' and 'response' in " + what + "; a step is one message");
    complete = false;
  } else if (!request && !response) {
    m.missing_one_of({"request", "response"});
    complete = false;
  } else if (request) {
    s.kind = StepKind::request;
    ps.kind_pos = pos_of(request);
    if (auto v = read_string(request, sink, m.where("request"))) {
      if (!is_method(*v)) {
        sink.error(pos_of(request), "bad method '" + *v + "' in " + what +
                                        "; expected an upper-case SIP method such as INVITE");
        complete = false;
      }
      s.method = *v;
    } else {
      complete = false;
    }
  } else {
    s.kind = StepKind::response;
    ps.kind_pos = pos_of(response);
    int status = 0;
    if (response.is_scalar()) {
      const std::string text = response.str();
      bool digits = text.size() == 3 && std::all_of(text.begin(), text.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
      if (digits) status = std::stoi(text);
    }
    if (status < 100 || status > 699) {
      sink.error(pos_of(response), "bad status " + describe(response) + " in " + what +
                                       "; expected a number from 100 to 699");
      complete = false;
    }
    s.status = status;
  }
  if (Node r = m.get("reason")) {
    s.reason = read_string(r, sink, m.where("reason"));
    if (request) sink.error(pos_of(r), "'reason' in " + what + " belongs to responses only");
  }
  if (Node u = m.get("uri")) {
    s.request_uri = parse_uri(u, sink, m.where("uri"));
    if (response) sink.error(pos_of(u), "'uri' in " + what + " belongs to requests only");
  }

  ps.answers = read_ref(m, "answers", sink);
  if (ps.answers && request) {
    sink.error(ps.answers->pos, "'answers' in " + what + " belongs to responses only");
  }
  ps.forwards = read_ref(m, "forwards", sink);
  ps.after = read_ref(m, "after", sink);
  if (Node d = m.get("dialog")) {
    ps.dialog_pos = pos_of(d);
    s.dialog = read_string(d, sink, m.where("dialog"));
  }
  if (Node o = m.get("optional"))
    s.optional = read_bool(o, sink, m.where("optional")).value_or(false);
  read_within(m, sink, ps);
  if (Node t = m.get("timeout")) s.timeout = read_duration(t, sink, m.where("timeout"));
  if (Node r = m.get("ring")) {
    s.ring = read_duration(r, sink, m.where("ring"));
    if (request || (s.status > 0 && s.status < 200)) {
      sink.error(pos_of(r), "'ring' in " + what +
                                " belongs to final responses (how long the sender rings first)");
    }
  }
  if (Node h = m.get("headers")) s.headers = parse_headers(h, sink, what);
  if (Node b = m.get("body")) s.body = parse_body(b, sink, what);
  if (Node b = m.get("send")) s.send = parse_send(b, sink, what);
  if (Node a = m.get("action")) s.action = parse_action(a, sink, what);
  read_retransmissions(m, sink, s);
  m.finish();
  ps.complete = complete;
  return ps;
}

}  // namespace ladder::scenario::detail

namespace ladder::scenario {

const std::vector<std::string_view>& action_verbs() {
  static const std::vector<std::string_view> verbs = {
      "dial",    "reinvite", "hold",   "resume",   "ring",   "answer",
      "reject",  "hang_up",  "cancel", "transfer", "digits", "request"};
  return verbs;
}

}  // namespace ladder::scenario
