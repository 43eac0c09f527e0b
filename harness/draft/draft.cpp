// The draft: which messages become steps, what the roles are called, what is forwarded and
// which dialog a step belongs to.
#include "draft/draft.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "sip/bulk.h"

namespace ladder::draft {
namespace {

struct Kept {
  std::size_t index = 0;  ///< into the messages
  std::size_t from = 0, to = 0;  ///< endpoint indices
};

bool same_transaction(const sip::Summary& a, const sip::Summary& b) {
  return a.call_id == b.call_id && a.cseq == b.cseq && a.cseq_method == b.cseq_method;
}

// The name of a given role for this endpoint, if any.
std::optional<std::string> given_name(const scenario::RoleMap& given, const core::Endpoint& e) {
  for (const auto& [id, addrs] : given.roles) {
    for (const scenario::RoleAddress& a : addrs) {
      if (a.address == e.address && (!a.port || *a.port == e.port)) return id;
    }
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// 'text' as a YAML single-quoted scalar.
std::string quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// The expectations that identify the flow, from one message.
void identify(const sip::Message& m, DraftStep& s) {
  const sip::Summary& sum = m.summary();
  if (sum.is_request && sum.method == "REFER") {
    if (auto v = m.header_view("Refer-To")) {
      std::string text(*v);
      std::size_t lt = text.find('<'), gt = text.find('>');
      std::string u = lt != std::string::npos && gt != std::string::npos && gt > lt
                          ? text.substr(lt + 1, gt - lt - 1)
                          : text;
      std::size_t q = u.find('?');
      if (q != std::string::npos) u.resize(q);
      auto parsed = sip::parse_uri(u);
      if (parsed && !parsed->user.empty()) {
        s.headers.push_back({"Refer-To", "{uri: {user: " + quoted(parsed->user) + "}}"});
      } else {
        s.headers.push_back({"Refer-To", "present"});
      }
      if (text.find("Replaces") != std::string::npos || text.find("replaces") != std::string::npos) {
        s.headers.push_back({"Refer-To", "{contains: 'Replaces='}"});
      }
    }
  }
  if (sum.is_request && m.header_view("Replaces")) s.headers.push_back({"Replaces", "present"});
  if (auto ev = m.header_view("Event")) {
    std::string pkg(*ev);
    std::size_t end = pkg.find_first_of("; \t");
    if (end != std::string::npos) pkg.resize(end);
    if (!pkg.empty()) s.headers.push_back({"Event", "{matches: " + quoted("^" + pkg + "\\b") + "}"});
  }
  if (!m.body().empty()) {
    if (auto ct = m.content_type()) {
      std::string t = lower(*ct);
      std::size_t semi = t.find(';');
      if (semi != std::string::npos) t.resize(semi);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.pop_back();
      s.content_type = t;
      if (t == "application/sdp") {
        std::string_view body = m.body();
        for (const char* dir : {"a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"}) {
          std::string_view d(dir);
          for (std::size_t at = body.find(d); at != std::string_view::npos; at = body.find(d, at + 1)) {
            bool line_start = at == 0 || body[at - 1] == '\n';
            std::size_t end = at + d.size();
            bool line_end = end == body.size() || body[end] == '\r' || body[end] == '\n';
            if (line_start && line_end) {
              s.sdp_direction = dir;
              break;
            }
          }
          if (!s.sdp_direction.empty()) break;
        }
      }
    }
  }
}

}  // namespace

Draft make_draft(const std::vector<sip::WireMessage>& messages, const DraftOptions& options) {
  Draft d;
  d.name = options.name;
  d.source = options.source;

  // 1. The messages that become steps: no 100 Trying, no retransmission, no broken start line.
  std::vector<core::Endpoint> endpoints;
  auto endpoint_index = [&endpoints](const core::Endpoint& e) {
    auto it = std::find(endpoints.begin(), endpoints.end(), e);
    if (it != endpoints.end()) return static_cast<std::size_t>(it - endpoints.begin());
    endpoints.push_back(e);
    return endpoints.size() - 1;
  };
  std::set<std::uint64_t> seen;
  std::vector<Kept> kept;
  std::size_t trying = 0, retransmitted = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const sip::WireMessage& w = messages[i];
    const sip::Summary& s = w.message.summary();
    if (!s.is_request && s.status == 0) continue;
    if (s.call_id.empty() || s.cseq_method.empty()) continue;
    if (!seen.insert(sip::hop_key(w, s)).second) {
      ++retransmitted;
      continue;
    }
    if (!s.is_request && s.status == 100) {
      ++trying;
      continue;
    }
    kept.push_back({i, endpoint_index(w.src), endpoint_index(w.dst)});
  }
  if (trying) d.notes.push_back(std::to_string(trying) + " 100 Trying left out (expected noise)");
  if (retransmitted) {
    d.notes.push_back(std::to_string(retransmitted) + " retransmissions left out (folded into their step)");
  }
  auto sum = [&](const Kept& k) -> const sip::Summary& { return messages[k.index].message.summary(); };

  // 2. Forwards: a role sends on what it received from another (same transaction, same
  // method or status). Not CANCEL and not the ACK of a non-2xx: those are hop by hop.
  std::set<std::string_view> non2xx_branches;  // INVITE branches whose ACK is hop by hop
  for (const Kept& k : kept) {
    const sip::Summary& s = sum(k);
    if (s.is_request && s.method == "INVITE") {
      for (const Kept& r : kept) {
        const sip::Summary& a = sum(r);
        if (!a.is_request && a.status >= 300 && same_transaction(a, s) && a.via_branch == s.via_branch) {
          non2xx_branches.insert(s.via_branch);
        }
      }
    }
  }
  std::vector<std::optional<std::size_t>> forwards(kept.size());
  std::vector<bool> forwarded(kept.size(), false);
  std::vector<bool> is_proxy(endpoints.size(), false);
  // Over TCP a proxy sends from the ephemeral port of a connection it opened, not from the port
  // it listens on: both are the one role. group[e]: the endpoint that stands for e's role.
  std::vector<std::size_t> group(endpoints.size());
  for (std::size_t e = 0; e < group.size(); ++e) group[e] = e;
  auto same_role = [&](std::size_t received_at, std::size_t sent_from, const sip::WireMessage& w) {
    if (group[received_at] == group[sent_from]) return true;
    return w.transport == core::Transport::tcp &&
           endpoints[received_at].address == endpoints[sent_from].address;
  };
  for (std::size_t j = 0; j < kept.size(); ++j) {
    const sip::Summary& m = sum(kept[j]);
    if (m.is_request && (m.method == "CANCEL" ||
                         (m.method == "ACK" && non2xx_branches.count(m.via_branch)))) {
      continue;
    }
    for (std::size_t i = j; i-- > 0;) {
      if (forwarded[i] || group[kept[i].from] == group[kept[j].to]) continue;
      if (!same_role(kept[i].to, kept[j].from, messages[kept[j].index])) continue;
      const sip::Summary& f = sum(kept[i]);
      if (f.is_request != m.is_request || !same_transaction(f, m)) continue;
      if (m.is_request ? f.method != m.method : f.status != m.status) continue;
      if (m.is_request && f.via_branch == m.via_branch) continue;  // a forward has its own branch
      forwards[j] = i;
      forwarded[i] = true;
      std::size_t from = group[kept[j].from], at = group[kept[i].to];
      for (std::size_t& g : group) {
        if (g == from) g = at;  // the sending endpoint joins the receiving one's role
      }
      if (m.is_request) is_proxy[at] = true;
      break;
    }
  }
  // A forward by a role that never forwarded a request (a UA relaying a response by chance)
  // is no forward.
  for (Kept& k : kept) {
    k.from = group[k.from];
    k.to = group[k.to];
  }
  for (std::size_t j = 0; j < kept.size(); ++j) {
    if (forwards[j] && !is_proxy[kept[j].from]) forwards[j].reset();
  }

  // 3. Role names: given, else P for a proxy and A, B, C ... for the others.
  std::set<std::string> used;
  std::vector<std::string> names(endpoints.size());
  for (std::size_t e = 0; e < endpoints.size(); ++e) {
    if (group[e] != e) continue;
    if (auto g = given_name(options.roles, endpoints[e])) {
      names[e] = *g;
      used.insert(*g);
    }
  }
  char next_ua = 'A';
  int proxies = 0;
  for (std::size_t e = 0; e < endpoints.size(); ++e) {
    if (group[e] != e || !names[e].empty()) continue;
    if (is_proxy[e]) {
      std::string n;
      do {
        n = proxies++ == 0 ? "P" : "P" + std::to_string(proxies);
      } while (used.count(n));
      names[e] = n;
    } else {
      std::string n;
      do {
        n = std::string(1, next_ua++);
        if (n == "P") n = std::string(1, next_ua++);
      } while (used.count(n) && next_ua <= 'Z');
      names[e] = n;
    }
    used.insert(names[e]);
  }
  for (std::size_t e = 0; e < endpoints.size(); ++e) {
    if (group[e] == e) d.roles.push_back({names[e], {endpoints[e]}, is_proxy[e]});
  }
  for (std::size_t e = 0; e < endpoints.size(); ++e) {
    if (group[e] == e) continue;
    for (DraftRole& r : d.roles) {
      if (r.id == names[group[e]]) r.endpoints.push_back(endpoints[e]);
    }
  }

  // 4. Dialogs: per Call-ID, the messages of INVITE, SUBSCRIBE and REFER transactions that got
  // a 2xx and every later request with a To tag; not a failed INVITE's transaction, not CANCEL.
  std::map<std::string_view, std::string> dialog_of_call;
  std::set<std::pair<std::string_view, std::uint32_t>> failed_invites;  // (Call-ID, CSeq)
  for (const Kept& k : kept) {
    const sip::Summary& s = sum(k);
    if (s.is_request) continue;
    bool forming = s.cseq_method == "INVITE" || s.cseq_method == "SUBSCRIBE" || s.cseq_method == "REFER";
    if (s.cseq_method == "INVITE" && s.status >= 300) failed_invites.insert({s.call_id, s.cseq});
    if (forming && s.status >= 200 && s.status < 300 && !dialog_of_call.count(s.call_id)) {
      std::string label = dialog_of_call.empty() ? "call" : "call" + std::to_string(dialog_of_call.size() + 1);
      dialog_of_call.emplace(s.call_id, label);
      d.dialogs.push_back(label);
    }
  }
  auto dialog_label = [&](const sip::Summary& s) -> std::string {
    auto it = dialog_of_call.find(s.call_id);
    if (it == dialog_of_call.end()) return "";
    std::string_view method = s.is_request ? s.method : s.cseq_method;
    if (method == "CANCEL" || method == "REGISTER" || method == "OPTIONS") return "";
    if ((method == "INVITE" || method == "ACK") && failed_invites.count({s.call_id, s.cseq})) return "";
    return it->second;
  };

  // 5. The listed order. A ladder's list says what each sender had received before it sent
  // (DESIGN.md, causal order rule 3), so listing a forward where the capture had it would demand
  // that a proxy with several workers relays B's 180 only after B's 200 arrived, because it
  // did so once. Each forward moves up to just after what it forwards, but never above a
  // message its receiver sent (that would make the receiver wait for it).
  std::vector<std::size_t> order(kept.size());
  for (std::size_t j = 0; j < kept.size(); ++j) order[j] = j;
  for (std::size_t j = 0; j < kept.size(); ++j) {
    if (!forwards[j]) continue;
    auto pos = [&order](std::size_t k) {
      return static_cast<std::size_t>(std::find(order.begin(), order.end(), k) - order.begin());
    };
    std::size_t at = pos(j), floor = pos(*forwards[j]) + 1, to = at;
    while (to > floor && kept[order[to - 1]].from != kept[j].to) --to;
    if (to < at) {
      order.erase(order.begin() + static_cast<std::ptrdiff_t>(at));
      order.insert(order.begin() + static_cast<std::ptrdiff_t>(to), j);
    }
  }
  // 6. Steps.
  std::vector<std::string> ids(kept.size());
  for (std::size_t p = 0; p < order.size(); ++p) ids[order[p]] = "F" + std::to_string(p + 1);
  for (std::size_t j : order) {
    const sip::WireMessage& w = messages[kept[j].index];
    const sip::Summary& s = w.message.summary();
    DraftStep st;
    st.id = ids[j];
    st.from = names[kept[j].from];
    st.to = names[kept[j].to];
    st.request = s.is_request;
    st.method = std::string(s.method);
    st.status = s.status;
    st.dialog = dialog_label(s);
    st.frame = w.frame;
    if (forwards[j]) st.forwards = ids[*forwards[j]];
    if (!s.is_request) {
      // The request it answers: the same transaction on the reverse hop.
      for (std::size_t i = j; i-- > 0;) {
        const sip::Summary& r = sum(kept[i]);
        if (r.is_request && kept[i].from == kept[j].to && kept[i].to == kept[j].from &&
            r.method == s.cseq_method && same_transaction(r, s) && r.via_branch == s.via_branch) {
          st.answers = ids[i];
          break;
        }
      }
      if (st.answers.empty()) {
        d.notes.push_back("frame " + std::to_string(w.frame) + " (" + std::to_string(s.status) +
                          " " + std::string(s.cseq_method) +
                          ") left out: the request it answers is not in the capture");
        continue;
      }
    }
    identify(w.message, st);
    st.triggers_nothing = (s.is_request && s.method == "ACK") ||
                          (!s.is_request && s.status < 200 && !w.message.header_view("RSeq"));
    d.steps.push_back(std::move(st));
  }
  // Steps left out shift nothing: ids stay those of the capture order, so renumber densely
  // and keep references in step.
  std::map<std::string, std::string> renumber;
  for (std::size_t k = 0; k < d.steps.size(); ++k) renumber[d.steps[k].id] = "F" + std::to_string(k + 1);
  for (DraftStep& st : d.steps) {
    st.id = renumber[st.id];
    if (!st.forwards.empty()) st.forwards = renumber.count(st.forwards) ? renumber[st.forwards] : "";
    if (!st.answers.empty()) st.answers = renumber[st.answers];
  }

  // Order a UA cannot show: it did nothing on a 180 or an ACK, so what it sends after one may
  // come before it when a proxy with several workers relays out of order (captures/reorder/).
  std::set<std::string> proxy_ids;
  for (const DraftRole& r : d.roles) {
    if (r.proxy) proxy_ids.insert(r.id);
  }
  for (std::size_t k = 0; k < d.steps.size(); ++k) {
    const DraftStep& r = d.steps[k];
    if (!r.triggers_nothing || proxy_ids.count(r.to)) continue;
    std::vector<std::string> free{r.id};
    for (std::size_t n = k + 1; n < d.steps.size(); ++n) {
      if (d.steps[n].from == r.to && d.steps[n].dialog == r.dialog && !r.dialog.empty()) {
        free.push_back(d.steps[n].id);
      }
    }
    if (free.size() > 1) d.any_order.push_back(std::move(free));
  }

  // 7. Did the proxy record-route? (A forwarded INVITE with more Record-Route than its original.)
  bool any_invite_forward = false, rr_added = false;
  for (std::size_t j = 0; j < kept.size(); ++j) {
    if (!forwards[j]) continue;
    const sip::Summary& s = sum(kept[j]);
    if (!s.is_request || s.method != "INVITE") continue;
    any_invite_forward = true;
    auto count = [&](std::size_t k) {
      return messages[kept[k].index].message.header_views("Record-Route").size();
    };
    rr_added |= count(j) > count(*forwards[j]);
  }
  d.proxy_record_routes = !any_invite_forward || rr_added;
  return d;
}

}  // namespace ladder::draft
