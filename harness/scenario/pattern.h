// User patterns (`matches:`), compiled for a linear-time engine.
//
// Users write ECMAScript-style patterns, searched anywhere in the subject unless anchored with ^
// or $. The engine behind this handle runs in time linear in the subject, so a 1 MB header value
// from a capture cannot exhaust the stack or the CPU, whatever the pattern. The price: constructs
// that need backtracking are rejected when the pattern is compiled, with a message naming the
// construct, rather than mis-matching: backreferences (\1, \k<name>), lookbehind (?<= (?<!, and
// lookahead anywhere but at the very start. Lookaheads right after a leading ^ are kept, as
// `^(?!${callid}$)` ("any Call-ID but that one") is the library's idiom: anchored there they are
// plain tests of the start of the subject. Matching is byte-wise, as std::regex on char was:
// the checker's subjects are bytes off the wire. `.` matches any byte but \n and \r.
//
// Ownership and threading: a Pattern shares its immutable compiled form between copies; search()
// is const and safe from several threads at once.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace ladder::scenario {

class Pattern {
 public:
  /// Compiles `source`. Empty on a syntax error or an unsupported construct; *error then says
  /// which ("backreference '\1' is not supported: patterns run in linear time").
  static std::optional<Pattern> compile(std::string_view source, std::string* error);

  /// Whether the pattern matches anywhere in subject (anchors are honoured).
  bool search(std::string_view subject) const;
  /// The pattern as written.
  const std::string& source() const;

  struct Compiled;  ///< private to pattern.cpp

 private:
  explicit Pattern(std::shared_ptr<const Compiled> c) : compiled_(std::move(c)) {}
  std::shared_ptr<const Compiled> compiled_;
};

/// `value` escaped so that, inside a pattern, it matches itself literally.
std::string escape_for_pattern(std::string_view value);

}  // namespace ladder::scenario
