// The SVG ladder of one verdict: one row per observed message in capture order (retransmissions
// folded into their first copy) with the step it satisfied drawn beside it, a row for each step
// that was never seen (after the rows of the steps before it), driver events as notes on their
// lane, and the first divergence marked.
#include <algorithm>
#include <iterator>
#include <map>
#include <optional>

#include "report/html_panel.h"
#include "report/html_ladder.h"
#include "report/html_page.h"
#include "report/lanes.h"
#include "report/report.h"

namespace ladder::report::html {
namespace {

constexpr int kRowH = 26;
constexpr int kTimeW = 96;
constexpr int kExpGap = 90;
constexpr int kObsGap = 150;
constexpr int kGutter = 40;
constexpr int kHeadH = 44;
constexpr std::size_t kMaxWarnings = 20;

constexpr std::size_t kColours = 8;  // dialog colours d0..d7, in the page's stylesheet

std::string num(long v) { return std::to_string(v); }

// The terminal ladder's lanes (lanes.h), then roles the map has beyond them.
std::vector<std::string> role_lanes(const scenario::Scenario& sc, const checker::Verdict& v) {
  std::vector<std::string> out = lane_order(sc);
  for (const auto& [role, addrs] : v.roles.roles) {
    if (std::find(out.begin(), out.end(), role) == out.end()) out.push_back(role);
  }
  return out;
}

std::string role_address(const checker::Verdict& v, const std::string& role) {
  auto it = v.roles.roles.find(role);
  if (it == v.roles.roles.end() || it->second.empty()) return "";
  const scenario::RoleAddress& a = it->second.front();
  std::string s = a.port ? core::Endpoint{a.address, *a.port}.to_string()
                         : a.address.to_string() + ":*";
  if (it->second.size() > 1) s += " +" + std::to_string(it->second.size() - 1);
  return s;
}

// Dialogs by Call-ID and tags: a request without a To tag joins the dialog of its From tag; a
// response with a new To tag to an early dialog completes it, or forks a new one.
class Dialogs {
 public:
  std::size_t of(const sip::Summary& s) {
    std::string_view local = s.from_tag, remote = s.to_tag;
    // Transactions that make no dialog (REGISTER, OPTIONS ...) get a new To tag per response:
    // they are one colour per Call-ID.
    if (s.cseq_method != "INVITE" && s.cseq_method != "SUBSCRIBE" && s.cseq_method != "REFER" &&
        s.cseq_method != "NOTIFY" && s.cseq_method != "BYE" && s.cseq_method != "ACK" &&
        s.cseq_method != "CANCEL" && s.cseq_method != "UPDATE" && s.cseq_method != "INFO" &&
        s.cseq_method != "PRACK") {
      local = remote = {};
    }
    std::vector<Entry>& list = by_call_[std::string(s.call_id)];
    for (const Entry& e : list) {
      if (local.empty() && remote.empty() && e.a.empty() && e.b.empty()) return e.index;
    }
    for (const Entry& e : list) {
      if (remote.empty() ? e.has(local) : e.has(local) && e.has(remote)) return e.index;
    }
    if (!remote.empty()) {
      for (Entry& e : list) {
        if (e.b.empty() && (e.a == local || e.a == remote)) {
          e.b = e.a == local ? remote : local;
          return e.index;
        }
      }
      for (const Entry& e : list) {
        if (e.has(local) || e.has(remote)) {  // a fork: same early side, another remote tag
          list.push_back({std::string(local), std::string(remote), next_++});
          return list.back().index;
        }
      }
    }
    list.push_back({std::string(local), std::string(remote), next_++});
    return list.back().index;
  }

 private:
  struct Entry {
    std::string a, b;
    std::size_t index;
    bool has(std::string_view t) const { return !t.empty() && (a == t || b == t); }
  };
  std::map<std::string, std::vector<Entry>, std::less<>> by_call_;
  std::size_t next_ = 0;
};

struct Row {
  std::optional<std::size_t> message;  // index into the messages
  std::optional<std::size_t> step;     // index into the verdict's steps
  std::optional<std::size_t> note;     // index into the notes
};

// An arrow as one path, line and head; its colour comes from the enclosing group's class.
std::string arrow(int x1, int x2, int y) {
  if (x1 == x2) {  // to itself: a small loop
    return "<path d=\"M" + num(x1) + " " + num(y - 6) + "h24v10H" + num(x1 + 6) + "M" + num(x1) +
           " " + num(y + 4) + "l7-4v8z\"/>";
  }
  int dir = x2 > x1 ? 1 : -1;
  return "<path d=\"M" + num(x1) + " " + num(y) + "H" + num(x2 - dir * 6) + "M" + num(x2) + " " +
         num(y) + "l" + num(-dir * 8) + "-4v8z\"/>";
}

std::string text(int x, int y, const std::string& cls, const std::string& body) {
  return "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\"" +
         (cls.empty() ? "" : " class=\"" + cls + "\"") + ">" + body + "</text>";
}

}  // namespace

std::string panel() {
  return "<aside id=\"panel\"><div id=\"panel-body\"><p class=\"sub\">Click an arrow to see the "
         "message as it was on the wire and what the ladder expected of it.</p></div></aside>";
}

std::string verdict_summary(const HtmlVerdict& in) {
  const checker::Verdict& v = *in.verdict;
  const scenario::Scenario& sc = *in.scenario;
  std::size_t passed = 0, total = 0;
  for (const checker::StepResult& r : v.steps) {
    if (r.status == checker::StepStatus::skipped) continue;
    ++total;
    passed += r.status == checker::StepStatus::passed;
  }
  std::string out = "<p><span class=\"verdict " + std::string(v.passed ? "passed" : "failed") +
                    "\">" + (v.passed ? "PASSED" : "FAILED") + "</span>" +
                    escape(sc.name) + ": " + num(static_cast<long>(passed)) + "/" +
                    num(static_cast<long>(total)) + " steps passed";
  if (!v.checked_anything) out += " (no message between the roles was found)";
  out += "</p>";
  std::string fails, warns;
  std::size_t nwarn = 0;
  bool first = true;
  for (const checker::Failure& f : v.failures) {
    std::string line = escape(failure_text(f, v.origin));
    if (f.warning) {
      // As on the terminal, the first few; every one is also in its row's panel.
      if (++nwarn <= kMaxWarnings) {
        warns += std::string("<li class=\"warn\">") + (waived(f) ? "waived: " : "") + line + "</li>";
      }
    } else {
      fails += std::string("<li") + (first ? " class=\"root\"" : "") + ">" + line + "</li>";
      first = false;
    }
  }
  if (!fails.empty()) out += "<ul class=\"fails\">" + fails + "</ul>";
  if (nwarn > kMaxWarnings) {
    warns += "<li>... " + num(static_cast<long>(nwarn - kMaxWarnings)) +
             " more: see the rows' panels or the JSON report</li>";
  }
  if (!warns.empty()) {
    out += "<details><summary>" + num(static_cast<long>(nwarn)) + " warning" +
           (nwarn == 1 ? "" : "s") + " (waived or reported only)</summary><ul class=\"fails\">" +
           warns + "</ul></details>";
  }
  if (!v.notes.empty()) {
    out += "<details><summary>Notes</summary><ul>";
    for (const std::string& n : v.notes) out += "<li>" + escape(n) + "</li>";
    out += "</ul></details>";
  }
  return out;
}

std::string ladder_svg(const HtmlVerdict& in, const std::string& prefix) {
  const checker::Verdict& v = *in.verdict;
  const scenario::Scenario& sc = *in.scenario;
  const auto& msgs = in.messages;

  // Lanes: expected (roles), observed (roles, then endpoints that are no role).
  std::vector<std::string> roles = role_lanes(sc, v);
  std::map<std::string, int> role_lane;
  for (std::size_t i = 0; i < roles.size(); ++i) role_lane[roles[i]] = static_cast<int>(i);
  std::vector<std::string> obs_titles = roles;
  std::vector<std::string> obs_addrs;
  for (const std::string& r : roles) obs_addrs.push_back(role_address(v, r));
  std::map<core::Endpoint, int> endpoint_lane;
  auto lane_of = [&](const core::Endpoint& e) {
    if (auto it = endpoint_lane.find(e); it != endpoint_lane.end()) return it->second;
    int lane;
    if (auto role = v.roles.role_of(e); role && role_lane.count(*role)) {
      lane = role_lane[*role];
    } else {
      lane = static_cast<int>(obs_titles.size());
      obs_titles.push_back("");
      obs_addrs.push_back(e.to_string());
    }
    endpoint_lane[e] = lane;
    return lane;
  };
  std::vector<std::pair<int, int>> msg_lanes(msgs.size());
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    msg_lanes[i] = {lane_of(msgs[i].src), lane_of(msgs[i].dst)};
  }
  int exp_x0 = kTimeW + 40;
  int obs_x0 = exp_x0 + static_cast<int>(roles.size() - 1) * kExpGap + kGutter + 60;
  auto ex = [&](int lane) { return exp_x0 + lane * kExpGap; };
  auto ox = [&](int lane) { return obs_x0 + lane * kObsGap; };
  int width = ox(static_cast<int>(obs_titles.size()) - 1) + 90;

  // What each message is to the verdict.
  std::vector<const checker::MessageResult*> result(msgs.size(), nullptr);
  for (const checker::MessageResult& m : v.messages) {
    if (m.index < msgs.size()) result[m.index] = &m;
  }
  std::vector<std::vector<std::size_t>> copies(msgs.size());  // retransmissions of each
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    if (result[i] && result[i]->retransmission_of && *result[i]->retransmission_of < msgs.size()) {
      copies[*result[i]->retransmission_of].push_back(i);
    }
  }
  std::vector<std::optional<std::size_t>> step_of_msg(msgs.size());  // index into v.steps
  for (std::size_t s = 0; s < v.steps.size(); ++s) {
    const checker::StepResult& r = v.steps[s];
    if (r.message && *r.message < msgs.size()) step_of_msg[*r.message] = s;
  }

  // Rows: messages in capture order (copies folded), then the unseen steps after the rows of
  // the steps listed before them, and notes by time.
  std::vector<Row> rows;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    if (result[i] && result[i]->retransmission_of) continue;
    rows.push_back({i, step_of_msg[i], {}});
  }
  for (std::size_t s = 0; s < v.steps.size(); ++s) {
    if (v.steps[s].message) continue;
    std::size_t at = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].step && v.steps[*rows[r].step].step < v.steps[s].step) at = r + 1;
    }
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(at), Row{{}, s, {}});
  }
  const std::vector<core::DriverEvent>& notes = v.driver_events;
  for (std::size_t n = 0; n < notes.size(); ++n) {
    if (!role_lane.count(notes[n].role)) continue;
    std::size_t at = rows.size();
    for (std::size_t r = 0; r < rows.size(); ++r) {
      if (rows[r].message && msgs[*rows[r].message].time > notes[n].time) {
        at = r;
        break;
      }
    }
    rows.insert(rows.begin() + static_cast<std::ptrdiff_t>(at), Row{{}, {}, n});
  }

  // Failures by row; the first divergence is the first row with a root failure.
  std::map<std::uint64_t, std::size_t> row_of_frame;
  std::map<std::string, std::size_t> row_of_step;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].message) {
      row_of_frame.emplace(msgs[*rows[r].message].frame, r);
      for (std::size_t c : copies[*rows[r].message]) row_of_frame.emplace(msgs[c].frame, r);
    }
    if (rows[r].step) row_of_step.emplace(v.steps[*rows[r].step].id, r);
  }
  std::vector<std::vector<const checker::Failure*>> row_failures(rows.size());
  std::optional<std::size_t> divergence, any_divergence;
  for (const checker::Failure& f : v.failures) {
    std::optional<std::size_t> r;
    if (auto it = row_of_frame.find(f.frame); f.frame != 0 && it != row_of_frame.end()) {
      r = it->second;
    } else if (auto st = row_of_step.find(f.step); !f.step.empty() && st != row_of_step.end()) {
      r = st->second;
    }
    if (!r) continue;
    row_failures[*r].push_back(&f);
    if (f.warning) continue;
    // The root failure leads (issue 12): a consequence of an earlier failure is never the
    // divergence while a root failure has a row.
    auto& best = f.cause ? any_divergence : divergence;
    if (!best || *r < *best) best = *r;
  }
  if (!divergence) divergence = any_divergence;

  Dialogs dialogs;
  std::vector<std::size_t> dialog(msgs.size(), 0);
  for (std::size_t i = 0; i < msgs.size(); ++i) dialog[i] = dialogs.of(msgs[i].message.summary());

  // The lane titles, in their own SVG that stays on top while the ladder scrolls.
  std::string head = "<svg class=\"lanes\" width=\"" + num(width) + "\" height=\"" +
                     num(kHeadH) + "\" xmlns=\"http://www.w3.org/2000/svg\">";
  head += text(exp_x0 + static_cast<int>(roles.size() - 1) * kExpGap / 2, 12, "cap", "expected");
  head += text(obs_x0 + static_cast<int>(obs_titles.size() - 1) * kObsGap / 2, 12, "cap",
               "observed");
  head += text(4, 28, "time", "time / frame");
  for (std::size_t i = 0; i < roles.size(); ++i) {
    head += text(ex(static_cast<int>(i)), 30, "title", escape(roles[i]));
  }
  for (std::size_t i = 0; i < obs_titles.size(); ++i) {
    int x = ox(static_cast<int>(i));
    if (!obs_titles[i].empty()) head += text(x, 26, "title", escape(obs_titles[i]));
    // Long (IPv6) addresses keep their end, which tells lanes apart; the whole one on hover.
    const std::string& addr = obs_addrs[i];
    std::string shown = addr.size() > 22 ? "\u2026" + addr.substr(addr.size() - 21) : addr;
    head += "<text x=\"" + num(x) + "\" y=\"" + num(obs_titles[i].empty() ? 30 : 40) +
            "\" class=\"addr\"><title>" + escape_text(addr) + "</title>" + escape_text(shown) +
            "</text>";
  }
  head += "</svg>";

  int height = static_cast<int>(rows.size()) * kRowH + 12;
  std::size_t folded = 0;
  for (const auto& c : copies) folded += c.size();
  std::string svg = "<svg class=\"ladder\" width=\"" + num(width) + "\" height=\"" +
                    num(height) + "\" data-messages=\"" + num(static_cast<long>(msgs.size())) +
                    "\" data-folded=\"" + num(static_cast<long>(folded)) +
                    "\" xmlns=\"http://www.w3.org/2000/svg\">";
  for (std::size_t i = 0; i < roles.size(); ++i) {
    int x = ex(static_cast<int>(i));
    svg += "<line class=\"lane\" x1=\"" + num(x) + "\" y1=\"0\" x2=\"" + num(x) + "\" y2=\"" +
           num(height) + "\"/>";
  }
  for (std::size_t i = 0; i < obs_titles.size(); ++i) {
    int x = ox(static_cast<int>(i));
    svg += "<line class=\"lane\" x1=\"" + num(x) + "\" y1=\"0\" x2=\"" + num(x) + "\" y2=\"" +
           num(height) + "\"/>";
  }
  std::string panels;
  core::TimeNs origin = v.origin != 0 ? v.origin : (msgs.empty() ? 0 : msgs.front().time);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const Row& row = rows[r];
    int y = static_cast<int>(r) * kRowH + 20;
    std::string id = prefix + num(static_cast<long>(r));
    bool is_div = divergence && *divergence == r;
    const checker::StepResult* sr = row.step ? &v.steps[*row.step] : nullptr;
    const sip::WireMessage* m = row.message ? &msgs[*row.message] : nullptr;
    svg += "<g class=\"row" + std::string(is_div ? " div" : "") + "\" data-r=\"" + id + "\"";
    if (m) svg += " data-frame=\"" + std::to_string(m->frame) + "\"";
    if (sr) svg += " data-step=\"" + escape(sr->id) + "\"";
    svg += "><rect y=\"" + num(y - 15) + "\"/>";  // the row's background: size and colour in CSS
    if (is_div) svg += "<rect class=\"mark\" x=\"0\" y=\"" + num(y - 15) + "\" width=\"4\" height=\"" + num(kRowH) + "\"/>";
    if (row.note) {
      const core::DriverEvent& n = v.driver_events[*row.note];
      int x = ox(role_lane[n.role]);
      std::string said = n.detail.empty() ? n.name : n.name + " " + n.detail;
      std::string t = escape(n.driver + ": " + said);
      int w = std::min<int>(static_cast<int>(n.driver.size() + said.size()) * 6 + 20, kObsGap * 2);
      svg += text(4, y + 4, "", html::seconds(n.time - origin));
      svg += "<g class=\"note\"><rect x=\"" + num(x + 4) + "\" y=\"" + num(y - 10) +
             "\" width=\"" + num(w) + "\" height=\"18\" rx=\"3\"/>" +
             text(x + 10, y + 3, "", t) + "</g></g>";
      continue;
    }
    std::vector<const checker::Failure*>& fs = row_failures[r];
    bool bad = std::any_of(fs.begin(), fs.end(), [](const checker::Failure* f) { return !f->warning; });
    bool has_waived = std::any_of(fs.begin(), fs.end(), [](const checker::Failure* f) { return waived(*f); });
    if (m) {
      svg += text(4, y + 4, "", html::seconds(m->time - origin) + "  #" + std::to_string(m->frame));
    }
    if (sr) {
      const scenario::Step& st = sc.steps[sr->step];
      int a = ex(role_lane[st.from]), b = ex(role_lane[st.to]);
      std::string status(checker::to_string(sr->status));
      svg += "<g class=\"step " + status + "\">" + arrow(a, b, y) +
             text((a + b) / 2 + (a == b ? 40 : 0), y - 4, "lbl",
                  escape(sr->id + " " + st.label() + (st.optional ? "?" : ""))) + "</g>";
      if (!m) svg += text(ex(0) - 46, y + 4, "badge fail", status == "skipped" ? "skip" : "MISSING");
    }
    if (m) {
      const sip::Summary& s = m->message.summary();
      std::string label = s.is_request ? std::string(s.method)
                                       : std::to_string(s.status) + " " + std::string(s.reason);
      if (s.problem) label = "(malformed)";
      if (label.size() > 28) label = label.substr(0, 27) + "...";
      auto [from, to] = msg_lanes[*row.message];
      int a = ox(from), b = ox(to);
      std::size_t n = 1 + copies[*row.message].size();
      // data-n: the messages this arrow stands for (itself and its folded retransmissions).
      svg += "<g class=\"msg d" + num(static_cast<long>(dialog[*row.message] % kColours)) +
             (bad ? " bad" : "") + "\"" +
             (n > 1 ? " data-n=\"" + num(static_cast<long>(n)) + "\"" : "") + ">" +
             arrow(a, b, y) + text((a + b) / 2 + (a == b ? 60 : 0), y - 4, "", escape_text(label));
      int bx = std::max(a, b) + (a == b ? 30 : 8);
      if (n > 1) {
        svg += text(bx, y + 4, "badge rtx", "&#215;" + num(static_cast<long>(n)));
        bx += 26;
      }
      svg += "</g>";
      if (bad) svg += text(bx, y + 4, "badge fail", "FAIL");
      else if (has_waived) svg += text(bx, y + 4, "badge waived", "waived");
    } else if (sr && has_waived) {
      svg += text(ex(0) - 46, y + 4, "badge waived", "waived");
    }
    svg += "</g>";

    // The row's panel.
    PanelRow pr;
    pr.id = id;
    pr.step = sr;
    pr.message = m;
    pr.result = m ? result[*row.message] : nullptr;
    if (m) {
      for (std::size_t c : copies[*row.message]) pr.copies.push_back(&msgs[c]);
    }
    pr.failures = fs;
    panels += row_panel(sc, pr, origin);
  }
  svg += "</svg>";
  return "<div class=\"lad\">" + head + svg + "</div>" + panels;
}

}  // namespace ladder::report::html
