// Private to the scenario loader: walking YAML nodes (yaml_document.h) with positions,
// collecting diagnostics. No header of this module includes yaml-cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scenario/scenario.h"
#include "scenario/yaml_document.h"

namespace ladder::scenario::detail {

/// Collects the diagnostics of one file and renders them with a source excerpt and caret.
/// Borrows `text` (to quote its lines): the text must outlive the Sink.
class Sink {
 public:
  Sink(std::string file, std::string_view text);

  void error(SourcePos at, std::string message);
  void warning(SourcePos at, std::string message);
  bool has_errors() const { return errors_ > 0; }
  const std::string& file() const { return file_; }
  /// The diagnostics in file order (line, then column), as compilers print them.
  std::vector<core::Diagnostic> take();

 private:
  void add(core::Severity severity, SourcePos at, std::string message);

  /// Line i (0-based) without its '\n' or a trailing '\r'.
  std::string_view line(std::size_t i) const;

  std::string file_;
  std::string_view text_;
  std::vector<std::size_t> line_starts_;  ///< offset of each line in text_; a copy per line was
                                          ///< 13 MB on a 100,000-step ladder
  std::vector<std::pair<SourcePos, core::Diagnostic>> diagnostics_;
  int errors_ = 0;
};

/// 1-based position of a node (yaml-cpp marks are 0-based); {0,0} for a node with no mark.
SourcePos pos_of(const Node& node);

/// "a map", "a list", "nothing", or the scalar quoted: "'abc'".
std::string describe(const Node& node);

/// "; did you mean 'from'?" when a candidate is close to word (Damerau-Levenshtein), else "".
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

/// "a, b and c"
std::string join_list(const std::vector<std::string>& items);

/// did_you_mean() when something is close, else "; LEAD" + the whole list ("; roles are A and B").
std::string hint_or_list(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view lead);

/// Parses the first document of text; on a YAML syntax error reports it at its line:col and
/// returns empty. The document borrows text: text must outlive it.
std::optional<Document> parse_yaml(std::string_view text, Sink& sink);

/// Reads one YAML map. Each get() also declares the key as known, so finish() can report the
/// keys nobody asked for with a "did you mean" from the known ones, and duplicate keys.
class MapReader {
 public:
  /// Reports "expected a map for WHAT, found ..." when node is not a map (then ok() is false and
  /// every get() returns an undefined node). `what` is a phrase such as "step F3".
  MapReader(const Node& node, Sink& sink, std::string what);

  bool ok() const { return ok_; }
  SourcePos pos() const { return pos_of(node_); }
  const std::string& what() const { return what_; }
  /// The context used by later messages, once known (a step's id comes from inside the map).
  void set_what(std::string what) { what_ = std::move(what); }

  /// The value of key, or an undefined node (test with `if (node)`).
  Node get(std::string_view key);
  bool has(std::string_view key) const;
  /// Position of the key itself (for "both X and Y" messages); the map's position if absent.
  SourcePos key_pos(std::string_view key) const;
  /// "'from' in step F3": the phrase for type errors about a key's value.
  std::string where(std::string_view key) const;
  /// A missing required key, reported by finish() at the map's position unless an unknown key
  /// there looks like a misspelling of it (then "did you mean" says it all).
  void missing(std::string_view key);
  /// Same for "one of these keys": "missing key 'request' or 'response'".
  void missing_one_of(std::vector<std::string> keys);
  /// Unknown and duplicate keys. Call once, after every get().
  void finish();
  /// The keys in document order (for maps whose keys are names: headers, roles, params).
  std::vector<std::pair<Node, Node>> entries() const;

  /// The value of key, or an undefined node; the first one when the key is duplicated.
  Node find(std::string_view key, Node* key_node = nullptr) const;

 private:
  Node node_;
  Sink& sink_;
  std::string what_;
  bool ok_ = false;
  std::vector<std::string> known_;
  std::vector<std::vector<std::string>> missing_;
};

// Conversions. Each reports "expected X for WHERE, found Y" at the node and returns empty on a
// mismatch. `where` comes from MapReader::where() or a similar phrase.
std::optional<std::string> read_string(const Node& n, Sink& sink, std::string_view where);
std::optional<int> read_int(const Node& n, Sink& sink, std::string_view where);
std::optional<bool> read_bool(const Node& n, Sink& sink, std::string_view where);
std::optional<Duration> read_duration(const Node& n, Sink& sink, std::string_view where);
std::optional<Template> read_template(const Node& n, Sink& sink, std::string_view where);
/// A string or a list of strings.
std::optional<std::vector<std::string>> read_string_list(const Node& n, Sink& sink,
                                                         std::string_view where);
/// A string naming a step id: same as read_string, kept apart for readability.
inline std::optional<std::string> read_step_ref(const Node& n, Sink& sink, std::string_view where) {
  return read_string(n, sink, where);
}

}  // namespace ladder::scenario::detail
