// The panel of a ladder row on the HTML page: the step's expectations in words, each beside
// what the message showed; the failures; the message as on the wire.
#include "report/html_panel.h"

#include "report/html_page.h"

namespace ladder::report::html {
namespace {

std::string match_text(const scenario::StringMatch& m) {
  const char* op = m.op == scenario::MatchOp::equals    ? "equals"
                   : m.op == scenario::MatchOp::matches ? "matches"
                                                        : "contains";
  return std::string(op) + " '" + m.value.source + "'";
}

void join(std::string& out, const std::string& part) {
  if (part.empty()) return;
  if (!out.empty()) out += "; ";
  out += part;
}

std::string presence_text(scenario::Presence p) {
  return p == scenario::Presence::present  ? "present"
         : p == scenario::Presence::absent ? "absent"
                                           : "";
}

std::string value_text(const std::string& name, const scenario::ValueCheck& c) {
  std::string out = presence_text(c.presence);
  for (const scenario::StringMatch& m : c.match) join(out, match_text(m));
  return name + " " + out;
}

std::string uri_text(const scenario::UriExpectation& u) {
  std::string out;
  for (const scenario::StringMatch& m : u.match) join(out, match_text(m));
  const std::pair<const char*, const std::optional<scenario::ValueCheck>*> parts[] = {
      {"scheme", &u.scheme}, {"user", &u.user}, {"host", &u.host}, {"port", &u.port}};
  for (const auto& [name, check] : parts) {
    if (*check) join(out, value_text(name, **check));
  }
  for (const scenario::ParamCheck& p : u.params) join(out, value_text(";" + p.name, p.check));
  return out;
}

std::string header_text(const scenario::HeaderExpectation& h) {
  std::string out = presence_text(h.presence);
  if (h.count) join(out, "count " + std::to_string(*h.count));
  if (h.every) join(out, "every value:");
  else if (h.index != 0) join(out, "value #" + std::to_string(h.index) + ":");
  for (const scenario::StringMatch& m : h.value) join(out, match_text(m));
  if (h.uri) join(out, "URI " + uri_text(*h.uri));
  for (const scenario::ParamCheck& p : h.params) join(out, value_text(";" + p.name, p.check));
  if (h.save) join(out, "saved as ${" + h.save->var + "}");
  return out.empty() ? "any" : out;
}

std::string body_text(const scenario::BodyExpectation& b) {
  std::string out;
  if (b.content_type) join(out, "type " + *b.content_type);
  if (b.empty) join(out, *b.empty ? "empty" : "not empty");
  for (const scenario::StringMatch& m : b.text) join(out, match_text(m));
  for (const scenario::Template& t : b.sdp_lines) join(out, "line '" + t.source + "'");
  for (const scenario::Template& t : b.sdp_absent_lines) join(out, "no line '" + t.source + "'");
  return out;
}

std::string seen_header(const sip::Message* m, const std::string& name) {
  if (m == nullptr) return "";
  std::vector<std::string> values = m->headers(name);
  if (values.empty()) return "(absent)";
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? "\n" : "") + values[i];
  return out;
}

// Whether one of the failures concerns `header` (case-insensitively) or is of `kind`.
bool failed(const std::vector<const checker::Failure*>& fs, const std::string& header,
            std::optional<core::FailureKind> kind = {}) {
  for (const checker::Failure* f : fs) {
    if (f->warning) continue;
    if (!header.empty() && core::iequals(f->header, header)) return true;
    if (kind && f->kind == *kind) return true;
  }
  return false;
}

struct ExpectContext {
  const sip::Message* message = nullptr;  // the message that satisfied the step, if any
  std::string src_role, dst_role;
  std::vector<const checker::Failure*> failures;  // the step's failures
};

// Each expectation of `st`: what was expected, what was seen, ok or failed.
std::string expectations_table(const scenario::Scenario& sc, const scenario::Step& st,
                               const ExpectContext& cx) {
  std::string rows;
  auto row = [&](const std::string& what, const std::string& expected, const std::string& seen,
                 bool bad) {
    rows += "<tr><td>" + escape(what) + "</td><td><code>" + escape(expected) +
            "</code></td><td><code>" + escape(seen) + "</code></td><td class=\"" +
            (cx.message == nullptr ? "fail\">not seen" : bad ? "fail\">failed" : "ok\">ok") +
            "</td></tr>";
  };
  const sip::Message* m = cx.message;
  std::string dir = cx.src_role.empty() && cx.dst_role.empty()
                        ? ""
                        : (cx.src_role.empty() ? "?" : cx.src_role) + " -> " +
                              (cx.dst_role.empty() ? "?" : cx.dst_role);
  row("direction", st.from + " -> " + st.to, m ? dir : "", false);
  std::string seen_label;
  if (m != nullptr) {
    const sip::Summary& s = m->summary();
    seen_label = s.is_request ? std::string(s.method) : std::to_string(s.status);
  }
  row(st.is_request() ? "method" : "status", st.label(), seen_label, false);
  if (st.request_uri) {
    row("Request-URI", uri_text(*st.request_uri),
        m ? std::string(m->summary().request_uri) : "", failed(cx.failures, "Request-URI"));
  }
  if (st.forwards) {
    row("forward of " + sc.steps[*st.forwards].id,
        "Call-ID, From, To, CSeq kept; Max-Forwards one lower; a Via added on top",
        m ? "Max-Forwards: " + seen_header(m, "Max-Forwards") : "",
        failed(cx.failures, "", core::FailureKind::forward));
  }
  if (st.dialog) {
    row("dialog", *st.dialog, m ? std::string(m->summary().call_id) : "",
        failed(cx.failures, "", core::FailureKind::dialog));
  }
  for (const scenario::HeaderExpectation& h : st.headers) {
    row(h.name, header_text(h), seen_header(m, h.name), failed(cx.failures, h.name));
  }
  if (st.body) {
    std::string seen;
    if (m != nullptr) {
      seen = m->content_type().value_or("(no type)") + ", " + std::to_string(m->body().size()) +
             " bytes";
    }
    row("body", body_text(*st.body), seen, failed(cx.failures, "", core::FailureKind::body));
  }
  if (st.within) {
    row("time", "within " + scenario::format_duration(st.within->max) + " of " +
                    sc.steps[st.within->of].id,
        "", failed(cx.failures, "", core::FailureKind::timing));
  }
  return "<table class=\"exp\"><tr><th>expectation</th><th>expected</th><th>seen</th>"
         "<th></th></tr>" +
         rows + "</table>";
}

}  // namespace

bool waived(const checker::Failure& f) {
  return f.warning && f.waived;
}

std::string row_panel(const scenario::Scenario& sc, const PanelRow& row, core::TimeNs origin) {
  const checker::StepResult* sr = row.step;
  const sip::WireMessage* m = row.message;
  const checker::MessageResult* mr = row.result;
  std::string p = "<div class=\"pd\" id=\"p" + row.id + "\">";
  if (sr) {
    const scenario::Step& st = sc.steps[sr->step];
    p += "<h3>" + escape(st.describe()) + ": " + std::string(checker::to_string(sr->status)) + "</h3>";
    if (!st.note.empty()) p += "<p class=\"sub\">" + escape(st.note) + "</p>";
  } else if (m && row.failures.empty()) {  // else the failure says what it is
    p += std::string("<h3>") +
         (mr == nullptr      ? "outside the roles"
          : mr->tolerated    ? "expected noise (no step)"
                             : "no step of the ladder") +
         "</h3>";
  }
  if (m) {
    std::string dir = mr ? (mr->src_role.empty() ? "-" : mr->src_role) + " -> " +
                               (mr->dst_role.empty() ? "-" : mr->dst_role)
                         : "";
    p += "<p>frame " + std::to_string(m->frame) + " \u00b7 " + seconds(m->time - origin) +
         " s \u00b7 " + std::string(core::to_string(m->transport)) + " " +
         escape_text(m->src.to_string()) + " \u2192 " + escape_text(m->dst.to_string()) +
         (dir.empty() ? "" : " \u00b7 " + escape_text(dir)) + "</p>";
    if (!row.copies.empty()) {
      p += "<p>retransmitted " + std::to_string(row.copies.size()) + " time" +
           (row.copies.size() == 1 ? "" : "s") + ":";
      for (const sip::WireMessage* c : row.copies) {
        p += " frame " + std::to_string(c->frame) + " at " + seconds(c->time - origin) + ";";
      }
      p += "</p>";
    }
  }
  if (sr) {
    ExpectContext cx;
    cx.message = m ? &m->message : nullptr;
    if (mr) {
      cx.src_role = mr->src_role;
      cx.dst_role = mr->dst_role;
    }
    for (const checker::Failure& f : sr->failures) cx.failures.push_back(&f);
    p += expectations_table(sc, sc.steps[sr->step], cx);
  }
  if (!row.failures.empty()) {
    p += "<ul class=\"fails\">";
    for (const checker::Failure* f : row.failures) {
      p += std::string("<li") + (f->warning ? " class=\"warn\"" : "") + ">" +
           (waived(*f) ? "waived: " : f->warning ? "warning: " : "") +
           escape_text((f->step.empty() ? "" : f->step + ": ") + f->message) + "</li>";
    }
    p += "</ul>";
  }
  if (mr && !mr->rules.empty()) {
    p += "<p>RFC 3261 rules:</p><ul>";
    for (const checker::RuleFinding& rf : mr->rules) {
      p += "<li>" + escape_text(rf.rule + ": " + rf.message) + "</li>";
    }
    p += "</ul>";
  }
  if (m) p += "<pre class=\"raw\">" + escape_text(m->message.bytes()) + "</pre>";
  return p + "</div>\n";
}

}  // namespace ladder::report::html
