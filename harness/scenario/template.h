// Strings of a ladder that may hold ${...} placeholders, and the values that fill them.
//
// Threading: value types and pure functions; no shared state.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ladder::scenario {

/// 1-based line and column in the source file; 0 when unknown (a value built in code).
struct SourcePos {
  int line = 0;
  int col = 0;
};

/// One piece of a template: literal text, `${name}` (a variable saved by an earlier step) or
/// `${ROLE.attr}` (a role attribute from the testbed or role map).
struct TemplatePart {
  enum class Kind : std::uint8_t { literal, variable, role_attr };
  Kind kind = Kind::literal;
  std::string text;  ///< literal text, or the variable name
  std::string role;  ///< role_attr only: "C"
  std::string attr;  ///< role_attr only: one of role_attributes()
};

/// A string from the ladder that may hold placeholders. `$${` writes a literal `${`.
struct Template {
  std::string source;  ///< as written
  std::vector<TemplatePart> parts;
  SourcePos pos;

  bool is_literal() const;  ///< no placeholders: source is the value
};

/// Parses placeholders. On a malformed one (`${` without `}`, empty name, `${A.}`) returns empty
/// and sets *error.
std::optional<Template> parse_template(std::string_view text, std::string* error);

/// The attribute names `${ROLE.attr}` accepts: user, domain, host, port, address.
const std::vector<std::string>& role_attributes();

/// Values known while checking or running: variables saved so far and role attributes
/// ("C" -> {"user": "carol", "host": "[fd00::3]", ...}).
struct Bindings {
  std::map<std::string, std::string, std::less<>> variables;
  std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> roles;
};

enum class Escape : std::uint8_t { none, regex };

/// Substitutes placeholders. With Escape::regex, substituted values are escaped so they match
/// literally inside a pattern (see pattern.h). Empty when a value is unknown; *missing then
/// names it ("${C.user}").
std::optional<std::string> expand(const Template& t, const Bindings& b,
                                  Escape escape = Escape::none, std::string* missing = nullptr);

}  // namespace ladder::scenario
