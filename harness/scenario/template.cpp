// Placeholders in ladder strings: ${var} and ${ROLE.attr}, and the string tests built on them.
#include "scenario/template.h"

#include <algorithm>

#include "scenario/expectations.h"
#include "scenario/pattern.h"

namespace ladder::scenario {

namespace {

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool is_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_name_char);
}

}  // namespace

bool Template::is_literal() const {
  return std::all_of(parts.begin(), parts.end(),
                     [](const TemplatePart& p) { return p.kind == TemplatePart::Kind::literal; });
}

const std::vector<std::string>& role_attributes() {
  static const std::vector<std::string> attrs{"user", "domain", "host", "port", "address"};
  return attrs;
}

const std::vector<std::string>& sdp_presets() {
  static const std::vector<std::string> presets{"offer", "answer", "hold", "resume", "inactive"};
  return presets;
}

std::optional<Template> parse_template(std::string_view text, std::string* error) {
  Template t;
  t.source = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) t.parts.push_back({TemplatePart::Kind::literal, literal, "", ""});
    literal.clear();
  };
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 3, "$${") == 0) {  // escaped: a literal "${"
      literal += "${";
      i += 3;
      continue;
    }
    if (text.compare(i, 2, "${") != 0) {
      literal += text[i++];
      continue;
    }
    std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      if (error) *error = "unterminated '${' in '" + std::string(text) + "'";
      return std::nullopt;
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::size_t dot = inner.find('.');
    TemplatePart part;
    if (dot == std::string_view::npos) {
      part.kind = TemplatePart::Kind::variable;
      part.text = std::string(inner);
      if (!is_name(inner)) {
        if (error)
          *error =
              "bad placeholder '${" + std::string(inner) + "}': expected ${name} or ${ROLE.attr}";
        return std::nullopt;
      }
    } else {
      part.kind = TemplatePart::Kind::role_attr;
      part.role = std::string(inner.substr(0, dot));
      part.attr = std::string(inner.substr(dot + 1));
      part.text = std::string(inner);
      if (!is_name(part.role) || !is_name(part.attr)) {
        if (error)
          *error =
              "bad placeholder '${" + std::string(inner) + "}': expected ${name} or ${ROLE.attr}";
        return std::nullopt;
      }
    }
    flush();
    t.parts.push_back(std::move(part));
    i = close + 1;
  }
  flush();
  return t;
}

std::optional<std::string> expand(const Template& t, const Bindings& b, Escape escape,
                                  std::string* missing) {
  std::string out;
  for (const TemplatePart& p : t.parts) {
    const std::string* value = nullptr;
    if (p.kind == TemplatePart::Kind::literal) {
      out += p.text;
      continue;
    }
    if (p.kind == TemplatePart::Kind::variable) {
      auto it = b.variables.find(p.text);
      if (it != b.variables.end()) value = &it->second;
    } else {
      auto role = b.roles.find(p.role);
      if (role != b.roles.end()) {
        auto attr = role->second.find(p.attr);
        if (attr != role->second.end()) value = &attr->second;
      }
    }
    if (!value) {
      if (missing) *missing = "${" + p.text + "}";
      return std::nullopt;
    }
    out += escape == Escape::regex ? escape_for_pattern(*value) : *value;
  }
  return out;
}

namespace {

// A pattern that is plain text (optionally anchored with ^): it matches exactly when the text is
// a prefix (or part) of the subject, and a regex engine is slow enough to show in bulk checks.
bool plain_text(std::string_view pattern) {
  return pattern.find_first_of(".[]()*+?{}|\\^$") == std::string_view::npos;
}

}  // namespace

std::optional<bool> test(const StringMatch& m, std::string_view subject, const Bindings& b,
                         std::string* missing) {
  if (m.op == MatchOp::matches) {
    if (m.regex) {
      std::string_view source = m.value.source;
      if (source.starts_with('^') && plain_text(source.substr(1))) {
        return subject.starts_with(source.substr(1));
      }
      if (plain_text(source)) return subject.find(source) != std::string_view::npos;
      return m.regex->search(subject);
    }
    auto pattern = expand(m.value, b, Escape::regex, missing);
    if (!pattern) return std::nullopt;
    // Validated at load with placeholders filled in; escaping keeps it valid.
    auto re = Pattern::compile(*pattern, nullptr);
    return re && re->search(subject);
  }
  auto value = expand(m.value, b, Escape::none, missing);
  if (!value) return std::nullopt;
  if (m.op == MatchOp::equals) return subject == *value;
  return subject.find(*value) != std::string_view::npos;
}

}  // namespace ladder::scenario
