// The second pass over a ladder: references, inferred answers, forwards, variables, causal order.
#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "scenario/loader_internal.h"

namespace ladder::scenario::detail {

namespace {

using TemplateVisitor = std::function<void(const Template&)>;

void visit_uri(const UriExpectation& u, const TemplateVisitor& f) {
  for (const StringMatch& m : u.match) f(m.value);
  for (const auto* part : {&u.scheme, &u.user, &u.host, &u.port}) {
    if (*part) {
      for (const StringMatch& m : (*part)->match) f(m.value);
    }
  }
  for (const ParamCheck& p : u.params) {
    for (const StringMatch& m : p.check.match) f(m.value);
  }
}

// Every placeholder-bearing string of a step, in the order written (near enough).
void visit_templates(const Step& s, const TemplateVisitor& f) {
  if (s.request_uri) visit_uri(*s.request_uri, f);
  for (const HeaderExpectation& h : s.headers) {
    for (const StringMatch& m : h.value) f(m.value);
    if (h.uri) visit_uri(*h.uri, f);
    for (const ParamCheck& p : h.params) {
      for (const StringMatch& m : p.check.match) f(m.value);
    }
  }
  if (s.body) {
    for (const StringMatch& m : s.body->text) f(m.value);
    for (const Template& t : s.body->sdp_lines) f(t);
    for (const Template& t : s.body->sdp_absent_lines) f(t);
  }
  if (s.send) {
    for (const auto& [name, t] : s.send->headers) f(t);
    if (s.send->body_text) f(*s.send->body_text);
  }
}

// Step ids such as F12 split into prefix and number, for the out-of-sequence warning. Ids with a
// suffix (F13a, the optional extras) are not numbered steps and are not compared.
std::optional<std::pair<std::string, int>> numbered(const std::string& id) {
  std::size_t digits = id.find_first_of("0123456789");
  if (digits == 0 || digits == std::string::npos) return std::nullopt;
  if (id.find_first_not_of("0123456789", digits) != std::string::npos) return std::nullopt;
  if (id.size() - digits > 6) return std::nullopt;
  return std::pair{id.substr(0, digits), std::stoi(id.substr(digits))};
}

// Step ids are short and alike (F1, F7, F17): edit distance suggests nonsense, so only a
// difference of letter case is worth a hint ("f1" for "F1", "F13A" for "F13a").
std::string step_hint(const std::string& id, const std::vector<std::string>& ids) {
  for (const std::string& candidate : ids) {
    if (core::iequals(candidate, id)) return "; did you mean '" + candidate + "'?";
  }
  return "";
}

class Validator {
 public:
  Validator(ParsedScenario& ps, Sink& sink) : ps_(ps), sc_(ps.scenario), sink_(sink) {
    for (const Role& r : sc_.roles) role_ids_.push_back(r.id);
    for (const Dialog& d : sc_.dialogs) dialog_labels_.insert(d.label);
  }

  void run() {
    index_ids();
    for (std::size_t i = 0; i < ps_.steps.size(); ++i) check_step(i);
    resolve_any_order();
    prepare_order();
    for (std::size_t i = 0; i < sc_.steps.size(); ++i) derive_order(i);
    for (std::size_t i = 0; i < sc_.steps.size(); ++i) resolve_within(i);
  }

 private:
  Step& step(std::size_t i) { return sc_.steps[i]; }

  void index_ids() {
    std::optional<std::pair<std::string, int>> last;
    std::string last_id;
    for (std::size_t i = 0; i < ps_.steps.size(); ++i) {
      const Step& s = step(i);
      if (s.id.empty()) continue;
      auto [it, inserted] = ids_.emplace(s.id, i);
      if (!inserted) {
        const SourcePos& first = step(it->second).pos;
        sink_.error(s.pos, "duplicate step id '" + s.id + "'; first defined at " +
                               std::to_string(first.line) + ":" + std::to_string(first.col));
        continue;
      }
      all_ids_.push_back(s.id);
      auto n = numbered(s.id);
      if (n && last && n->first == last->first && n->second <= last->second) {
        sink_.warning(s.pos, "step id '" + s.id + "' after '" + last_id + "' is out of sequence");
      }
      if (n) {
        last = n;
        last_id = s.id;
      }
    }
  }

  // An earlier step named by `key` of step i; reports unknown and later ones.
  std::optional<std::size_t> resolve(const Ref& ref, std::string_view key, std::size_t i,
                                     bool must_be_earlier = true) {
    auto it = ids_.find(ref.id);
    const std::string& id = step(i).id;
    if (it == ids_.end()) {
      sink_.error(ref.pos, "unknown step '" + ref.id + "' in '" + std::string(key) + "' of step " +
                               id + step_hint(ref.id, all_ids_));
      return std::nullopt;
    }
    if (must_be_earlier && it->second >= i) {
      sink_.error(ref.pos, "'" + std::string(key) + "' of step " + id + " names " + ref.id +
                               (it->second == i ? ", the step itself" : ", which comes later") +
                               "; it must name an earlier step");
      return std::nullopt;
    }
    return it->second;
  }

  bool check_role(const std::string& role, SourcePos pos, std::string_view key, const Step& s) {
    if (sc_.find_role(role)) return true;
    sink_.error(pos, "unknown role '" + role + "' in '" + std::string(key) + "' of step " + s.id +
                         "; roles are " + join_list(role_ids_));
    return false;
  }

  void check_step(std::size_t i) {
    ParsedStep& p = ps_.steps[i];
    Step& s = *p.step;
    if (s.id.empty()) s.id = "#" + std::to_string(i + 1);
    bool roles_ok = true;
    if (!s.from.empty()) roles_ok &= check_role(s.from, p.from_pos, "from", s);
    if (!s.to.empty()) roles_ok &= check_role(s.to, p.to_pos, "to", s);
    if (roles_ok && !s.from.empty() && s.from == s.to) {
      sink_.error(p.to_pos, "step " + s.id + " goes from " + s.from + " to " + s.to +
                                "; a message goes between two roles");
      roles_ok = false;
    }
    check_dialog(p);
    const bool sound = p.complete && roles_ok;

    if (p.forwards) {
      if (auto f = resolve(*p.forwards, "forwards", i); f && sound) check_forward(p, *f);
    }
    if (p.after) s.after = resolve(*p.after, "after", i);
    if (s.kind == StepKind::response && sound) find_answer(p, i);
    check_templates(s);
    for (const HeaderExpectation& h : s.headers) {
      if (h.save) saved_.insert(h.save->var);
    }
  }

  void check_dialog(const ParsedStep& p) {
    const Step& s = *p.step;
    if (!s.dialog || dialog_labels_.contains(*s.dialog)) return;
    std::vector<std::string> labels;
    for (const Dialog& d : sc_.dialogs) labels.push_back(d.label);
    sink_.error(p.dialog_pos,
                "unknown dialog '" + *s.dialog + "' in step " + s.id +
                    (labels.empty() ? "; declare it under 'dialogs:'"
                                    : hint_or_list(*s.dialog, labels, "dialogs are ")));
  }

  void check_forward(ParsedStep& p, std::size_t f) {
    Step& s = *p.step;
    const Step& orig = step(f);
    s.forwards = f;
    if (orig.to != s.from) {
      sink_.error(p.forwards->pos,
                  "step " + s.id + " forwards " + orig.id + ", but " + orig.id + " goes from " +
                      orig.from + " to " + orig.to + ", not to " + s.from +
                      "; a forward is sent by the role that received the original");
    }
    if (orig.kind != s.kind || orig.method != s.method || orig.status != s.status) {
      sink_.error(p.kind_pos, "step " + s.id + " forwards " + orig.id + " (" + orig.label() +
                                  ") but is a " + s.label() +
                                  "; a forward keeps the method or status");
    }
    const Role* sender = sc_.find_role(s.from);
    if (sender && sender->kind == RoleKind::ua) {
      sink_.error(p.forwards->pos, "step " + s.id + " forwards " + orig.id + ", but role " +
                                       s.from + " is a ua; declare it as '" + s.from +
                                       ": proxy' or '" + s.from + ": b2bua' under 'roles'");
    }
  }

  // The request a response answers: written, or the nearest earlier request sent the other way
  // whose transaction is still open (1xx keep it open).
  void find_answer(ParsedStep& p, std::size_t i) {
    Step& s = *p.step;
    std::optional<std::size_t> req;
    if (p.answers) {
      req = resolve(*p.answers, "answers", i);
      if (!req) return;
      const Step& r = step(*req);
      if (r.kind != StepKind::request || r.method == "ACK") {
        sink_.error(p.answers->pos, "'answers' of step " + s.id + " names " + r.id + " (" +
                                        r.label() +
                                        "); a response answers a request other than ACK");
        return;
      }
      if (r.from != s.to || r.to != s.from) {
        sink_.error(p.answers->pos, "'answers' of step " + s.id + " names " + r.id +
                                        ", which goes from " + r.from + " to " + r.to +
                                        "; a response from " + s.from + " to " + s.to +
                                        " answers a request from " + s.to + " to " + s.from);
        return;
      }
    } else {
      for (std::size_t j = i; j-- > 0;) {
        const Step& r = step(j);
        if (!ps_.steps[j].complete || r.kind != StepKind::request || r.method == "ACK") continue;
        if (r.from != s.to || r.to != s.from || closed_.count(j)) continue;
        if (s.status == 487 && r.method == "CANCEL")
          continue;  // 487 ends the INVITE, not the CANCEL
        req = j;
        break;
      }
      if (!req) {
        sink_.error(p.kind_pos, "response " + s.id + " (" + s.label() + ") from " + s.from +
                                    " to " + s.to + " answers nothing: no earlier request from " +
                                    s.to + " to " + s.from +
                                    " is waiting for a final response; add the "
                                    "request or 'answers: Fn'");
        return;
      }
      s.answers_inferred = true;
    }
    s.answers = req;
    if (s.status >= 200) closed_.insert(*req);
  }

  void check_templates(const Step& s) {
    visit_templates(s, [&](const Template& t) {
      for (const TemplatePart& part : t.parts) {
        if (part.kind == TemplatePart::Kind::variable) {
          if (saved_.count(part.text)) continue;
          std::vector<std::string> known(saved_.begin(), saved_.end());
          sink_.error(t.pos, "unknown variable '${" + part.text + "}' in step " + s.id +
                                 "; no earlier step saves it" + did_you_mean(part.text, known));
        } else if (part.kind == TemplatePart::Kind::role_attr) {
          if (!sc_.find_role(part.role)) {
            sink_.error(t.pos, "unknown role '" + part.role + "' in '${" + part.text +
                                   "}' in step " + s.id + "; roles are " + join_list(role_ids_));
            continue;
          }
          const auto& attrs = role_attributes();
          if (std::find(attrs.begin(), attrs.end(), part.attr) == attrs.end()) {
            sink_.error(t.pos, "unknown role attribute '" + part.attr + "' in '${" + part.text +
                                   "}' in step " + s.id +
                                   hint_or_list(part.attr, attrs, "attributes are "));
          }
        }
      }
    });
  }

  void resolve_any_order() {
    for (const std::vector<Ref>& group : ps_.any_order) {
      std::vector<std::size_t> out;
      for (const Ref& ref : group) {
        auto it = ids_.find(ref.id);
        if (it == ids_.end()) {
          sink_.error(ref.pos,
                      "unknown step '" + ref.id + "' in 'any_order'" + step_hint(ref.id, all_ids_));
          continue;
        }
        out.push_back(it->second);
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      sc_.any_order.push_back(std::move(out));
    }
  }

  // What derive_order shares between steps, built once: for each role the steps it receives
  // (one list, each step of that sender holds a prefix of it), where the latest non-optional
  // one sits at each position, and the any_order groups of each step.
  void prepare_order() {
    const std::size_t n = sc_.steps.size();
    std::map<std::string_view, std::vector<std::size_t>> lists;
    for (std::size_t j = 0; j < n; ++j) lists[sc_.steps[j].to].push_back(j);
    for (auto& [role, list] : lists) {
      Received r;
      r.last_required.resize(list.size());
      std::ptrdiff_t last = -1;
      for (std::size_t k = 0; k < list.size(); ++k) {
        if (!sc_.steps[list[k]].optional) last = static_cast<std::ptrdiff_t>(k);
        r.last_required[k] = last;
      }
      r.steps = std::make_shared<const std::vector<std::size_t>>(std::move(list));
      received_.emplace(std::string(role), std::move(r));
    }
    groups_of_.resize(n);
    for (std::size_t g = 0; g < sc_.any_order.size(); ++g) {
      for (std::size_t i : sc_.any_order[g]) {
        if (i < n) groups_of_[i].push_back(g);
      }
    }
  }

  // DESIGN.md's causal rule: after the step forwarded, the request answered, and every earlier
  // step the sender received, leaving out the step's any_order partners.
  void derive_order(std::size_t i) {
    Step& s = sc_.steps[i];
    std::vector<std::size_t> left_out;
    for (std::size_t g : groups_of_[i]) {
      for (std::size_t j : sc_.any_order[g]) {
        if (j < i) left_out.push_back(j);
      }
    }
    std::sort(left_out.begin(), left_out.end());
    auto is_left_out = [&](std::size_t j) {
      return std::binary_search(left_out.begin(), left_out.end(), j);
    };
    std::shared_ptr<const std::vector<std::size_t>> received;
    const std::vector<std::ptrdiff_t>* last_required = nullptr;
    std::size_t prefix = 0;
    if (auto it = received_.find(s.from); it != received_.end()) {
      received = it->second.steps;
      last_required = &it->second.last_required;
      prefix = static_cast<std::size_t>(std::lower_bound(received->begin(), received->end(), i) -
                                        received->begin());
    }
    // References to steps the sender did not receive (an `after` of any step) are held apart.
    std::vector<std::size_t> own;
    for (const auto& ref : {s.forwards, s.answers, s.after}) {
      if (ref && !(*ref < i && sc_.steps[*ref].to == s.from)) own.push_back(*ref);
    }
    std::sort(own.begin(), own.end());
    own.erase(std::unique(own.begin(), own.end()), own.end());
    s.preceded_by = StepSet(received, prefix, own, left_out);
    if (s.after) {
      s.trigger = s.after;
      return;
    }
    // The latest non-optional predecessor: the last of own that qualifies, against the latest
    // required received step that is not left out (a short walk: only left-out steps are passed).
    std::optional<std::size_t> trigger;
    for (auto it = own.rbegin(); it != own.rend(); ++it) {
      if (!sc_.steps[*it].optional && !is_left_out(*it)) {
        trigger = *it;
        break;
      }
    }
    for (std::ptrdiff_t k = prefix > 0 ? (*last_required)[prefix - 1] : -1; k >= 0;
         k = k > 0 ? (*last_required)[static_cast<std::size_t>(k) - 1] : -1) {
      std::size_t j = (*received)[static_cast<std::size_t>(k)];
      if (is_left_out(j)) continue;
      if (!trigger || j > *trigger) trigger = j;
      break;
    }
    s.trigger = trigger;
  }

  void resolve_within(std::size_t i) {
    const ParsedStep& p = ps_.steps[i];
    Step& s = sc_.steps[i];
    if (!p.within_max) return;
    Within w;
    w.max = *p.within_max;
    w.pos = p.within_pos;
    if (p.within_of) {
      auto of = resolve_later(*p.within_of, i);
      if (!of) return;
      w.of = *of;
    } else if (s.trigger) {
      w.of = *s.trigger;
      w.of_inferred = true;
    } else {
      sink_.error(p.within_pos, "'within' of step " + s.id +
                                    " has no earlier step to count from; "
                                    "write within: {of: Fn, max: ...}");
      return;
    }
    s.within = w;
  }

  // resolve() for the second pass over the steps.
  std::optional<std::size_t> resolve_later(const Ref& ref, std::size_t i) {
    auto it = ids_.find(ref.id);
    const std::string& id = sc_.steps[i].id;
    if (it == ids_.end()) {
      sink_.error(ref.pos, "unknown step '" + ref.id + "' in 'within' of step " + id +
                               step_hint(ref.id, all_ids_));
      return std::nullopt;
    }
    if (it->second >= i) {
      sink_.error(ref.pos, "'within' of step " + id + " names " + ref.id +
                               (it->second == i ? ", the step itself" : ", which comes later") +
                               "; it must name an earlier step");
      return std::nullopt;
    }
    return it->second;
  }

  ParsedScenario& ps_;
  Scenario& sc_;
  Sink& sink_;
  std::map<std::string, std::size_t, std::less<>> ids_;
  std::vector<std::string> all_ids_;
  std::vector<std::string> role_ids_;
  std::set<std::string, std::less<>> dialog_labels_;  ///< Scenario::find_dialog is a linear scan
  std::set<std::string> saved_;
  std::set<std::size_t> closed_;  ///< requests with a final response so far

  struct Received {
    std::shared_ptr<const std::vector<std::size_t>> steps;  ///< steps a role receives, in order
    std::vector<std::ptrdiff_t> last_required;  ///< per position: latest non-optional, or -1
  };
  std::map<std::string, Received, std::less<>> received_;  ///< by role id
  std::vector<std::vector<std::size_t>> groups_of_;        ///< any_order groups of each step
};

}  // namespace

void validate(ParsedScenario& ps, Sink& sink) { Validator(ps, sink).run(); }

}  // namespace ladder::scenario::detail
