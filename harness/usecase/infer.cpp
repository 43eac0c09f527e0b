// Role attributes read back from a capture (issue 12): a ladder that pins `${B.user}` in an
// `equals` (the user of F1's Request-URI, "sip:${C.user}@${P.domain}") and was given no value
// for it learns it from the message that step matched, instead of failing as if the device were
// wrong. What cannot be read back is an input error that names how to give it.
#include <algorithm>
#include <regex>

#include "usecase/infer.h"

namespace ladder::usecase {
namespace {

std::string escape(std::string_view text) {
  static const std::string special = R"(\^$.|?*+()[]{}/)";
  std::string out;
  for (char c : text) {
    if (special.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// Reads the unknown role attributes of `source` back from `seen`; empty when they cannot be.
std::map<std::string, std::string> read_back(const std::string& source, const std::string& seen,
                                             const scenario::Bindings& known) {
  std::string error;
  auto t = scenario::parse_template(source, &error);
  if (!t) return {};
  std::string pattern;
  std::vector<std::string> keys;  // "B.user" per capture group
  for (const scenario::TemplatePart& p : t->parts) {
    switch (p.kind) {
      case scenario::TemplatePart::Kind::literal: pattern += escape(p.text); break;
      case scenario::TemplatePart::Kind::variable: {
        auto v = known.variables.find(p.text);
        if (v == known.variables.end()) return {};  // a saved variable: not this inference's
        pattern += escape(v->second);
        break;
      }
      case scenario::TemplatePart::Kind::role_attr: {
        auto r = known.roles.find(p.role);
        if (r != known.roles.end()) {
          auto a = r->second.find(p.attr);
          if (a != r->second.end()) {
            pattern += escape(a->second);
            break;
          }
        }
        pattern += "(.+?)";
        keys.push_back(p.role + "." + p.attr);
        break;
      }
    }
  }
  std::smatch m;
  if (keys.empty() || !std::regex_match(seen, m, std::regex(pattern))) return {};
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    auto [it, added] = out.emplace(keys[i], m[i + 1].str());
    if (!added && it->second != m[i + 1].str()) return {};  // the same attribute twice, differing
  }
  return out;
}

}  // namespace

Inference infer_role_attributes(const checker::Verdict& verdict,
                                const scenario::Bindings& known) {
  Inference out;
  for (const checker::Failure& f : verdict.failures) {
    if (f.unbound.empty()) continue;
    std::string key = f.unbound.substr(2, f.unbound.size() - 3);  // "${B.user}" -> "B.user"
    if (key.find('.') == std::string::npos) continue;  // a variable, not a role attribute
    if (!f.unbound_equals.empty()) {
      for (const auto& [k, value] : read_back(f.unbound_equals, f.seen, known)) {
        if (out.values.count(k)) continue;
        out.values[k] = value;
        out.notes.push_back("${" + k + "} = '" + value + "', read from " + f.step + " (" +
                            f.header + ", frame " + std::to_string(f.frame) +
                            ") where the ladder pins it");
      }
    }
    if (!out.values.count(key) &&
        std::find(out.missing.begin(), out.missing.end(), key) == out.missing.end()) {
      out.missing.push_back(key);
    }
  }
  // A key read back from one failure may have been missing at an earlier one.
  std::erase_if(out.missing, [&](const std::string& k) { return out.values.count(k) != 0; });
  return out;
}

void apply(const Inference& inference, scenario::Bindings& bindings) {
  for (const auto& [key, value] : inference.values) {
    std::size_t dot = key.find('.');
    bindings.roles[key.substr(0, dot)].emplace(key.substr(dot + 1), value);
  }
}

std::string missing_attributes_error(const std::vector<std::string>& missing,
                                     const std::string& ladder) {
  std::string names, sets, keys;
  for (const std::string& k : missing) {
    std::size_t dot = k.find('.');
    names += (names.empty() ? "" : ", ") + std::string("${") + k + "}";
    sets += " --set " + k + "=...";
    keys += (keys.empty() ? "" : ", ") + std::string("`") + k.substr(dot + 1) + ":` on role " +
            k.substr(0, dot);
  }
  return ladder + " needs " + names +
         ", which nothing gives and the capture does not show where the ladder pins it: pass" +
         sets + " or set " + keys + " in the testbed (--testbed)";
}

}  // namespace ladder::usecase
