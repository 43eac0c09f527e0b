#include "scenario/yaml_reader.h"

#include <algorithm>
#include <charconv>

namespace ladder::scenario::detail {

namespace {

std::vector<std::size_t> line_starts(std::string_view text) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    starts.push_back(i + 1);
  }
  return starts;
}

// Damerau-Levenshtein (optimal string alignment): "form" is one edit from "from".
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// The part of a source line echoed under a diagnostic: all of it up to kExcerptWidth bytes,
// else a window of that width around the caret (a ladder drafted from a capture can hold a
// 200,000-character line). Cuts avoid the middle of a UTF-8 sequence.
constexpr std::size_t kExcerptWidth = 120;

struct Window {
  std::size_t begin, end;
};

Window window_around(std::string_view line, std::size_t caret) {
  if (line.size() <= kExcerptWidth) return {0, line.size()};
  std::size_t begin = caret > kExcerptWidth / 2 ? caret - kExcerptWidth / 2 : 0;
  std::size_t end = std::min(line.size(), begin + kExcerptWidth);
  if (end == line.size()) begin = end - kExcerptWidth;
  auto continuation = [&](std::size_t i) {
    return i < line.size() && (static_cast<unsigned char>(line[i]) & 0xC0) == 0x80;
  };
  while (begin < caret && continuation(begin)) ++begin;
  while (end > caret && continuation(end)) --end;
  return {begin, end};
}

}  // namespace

Sink::Sink(std::string file, std::string_view text)
    : file_(std::move(file)), text_(text), line_starts_(line_starts(text)) {}

std::string_view Sink::line(std::size_t i) const {
  std::size_t begin = line_starts_[i];
  std::size_t end = i + 1 < line_starts_.size() ? line_starts_[i + 1] - 1 : text_.size();
  std::string_view l = text_.substr(begin, end - begin);
  if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
  return l;
}

void Sink::error(SourcePos at, std::string message) {
  ++errors_;
  add(core::Severity::error, at, std::move(message));
}

void Sink::warning(SourcePos at, std::string message) {
  add(core::Severity::warning, at, std::move(message));
}

void Sink::add(core::Severity severity, SourcePos at, std::string message) {
  core::Diagnostic d;
  d.severity = severity;
  d.where = at.line > 0 ? core::position(file_, at.line, at.col) : file_;
  d.message = std::move(message);
  // The excerpt: clang's layout, line number gutter then a caret under the column. Tabs before
  // the column are kept so the caret lines up in a terminal.
  if (at.line > 0 && static_cast<std::size_t>(at.line) <= line_starts_.size()) {
    const std::string_view src = line(static_cast<std::size_t>(at.line - 1));
    std::string number = std::to_string(at.line);
    std::string gutter(std::max<std::size_t>(5, number.size() + 1), ' ');
    std::string lead = gutter.substr(0, gutter.size() - number.size()) + number;
    const std::size_t caret =
        std::min(static_cast<std::size_t>(std::max(at.col, 1) - 1), src.size());
    const Window w = window_around(src, caret);
    std::string shown = (w.begin > 0 ? "..." : "") +
                        std::string(src.substr(w.begin, w.end - w.begin)) +
                        (w.end < src.size() ? "..." : "");
    std::string pad = w.begin > 0 ? "   " : "";
    for (std::size_t i = w.begin; i < caret; ++i) pad += src[i] == '\t' ? '\t' : ' ';
    d.message += "\n" + lead + " | " + shown + "\n" + gutter + " | " + pad + "^";
  }
  diagnostics_.emplace_back(at, std::move(d));
}

std::vector<core::Diagnostic> Sink::take() {
  std::stable_sort(diagnostics_.begin(), diagnostics_.end(), [](const auto& a, const auto& b) {
    return std::pair{a.first.line, a.first.col} < std::pair{b.first.line, b.first.col};
  });
  std::vector<core::Diagnostic> out;
  for (auto& [pos, d] : diagnostics_) out.push_back(std::move(d));
  diagnostics_.clear();
  return out;
}

SourcePos pos_of(const Node& node) {
  if (!node.defined() || node.line() < 0 || node.column() < 0) return {};
  return {node.line() + 1, node.column() + 1};
}

std::string describe(const Node& node) {
  if (!node.defined() || node.is_null()) return "nothing";
  if (node.is_map()) return "a map";
  if (node.is_sequence()) return "a list";
  return "'" + std::string(node.scalar()) + "'";
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  std::size_t best = std::string_view::npos;
  const std::string* pick = nullptr;
  for (const std::string& c : candidates) {
    // Lengths apart by more than two are more than two edits apart: skip the quadratic
    // distance, which a hostile file's long keys would otherwise pay once per known name.
    if (word.size() > c.size() + 2 || c.size() > word.size() + 2) continue;
    std::size_t d = edit_distance(word, c);
    if (d < best) {
      best = d;
      pick = &c;
    }
  }
  // Close means at most two edits and fewer edits than either word has letters, so "x" never
  // suggests "to".
  if (pick && best <= 2 && best < word.size() && best < pick->size()) {
    return "; did you mean '" + *pick + "'?";
  }
  return "";
}

std::string join_list(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " and " : ", ";
    out += items[i];
  }
  return out;
}

std::optional<Document> parse_yaml(std::string_view text, Sink& sink) {
  std::optional<YamlError> error;
  Document doc = Document::parse(text, &error);
  if (!error) return doc;
  SourcePos at;
  if (error->line >= 0 && error->column >= 0) at = {error->line + 1, error->column + 1};
  sink.error(at, std::move(error->message));
  return std::nullopt;
}

std::string hint_or_list(std::string_view word, const std::vector<std::string>& candidates,
                         std::string_view lead) {
  std::string hint = did_you_mean(word, candidates);
  if (!hint.empty()) return hint;
  return "; " + std::string(lead) + join_list(candidates);
}

MapReader::MapReader(const Node& node, Sink& sink, std::string what)
    : node_(node), sink_(sink), what_(std::move(what)) {
  ok_ = node.is_map();
  if (!ok_) {
    sink_.error(pos_of(node), "expected a map for " + what_ + ", found " + describe(node));
  }
}

Node MapReader::find(std::string_view key, Node* key_node) const {
  if (!ok_) return {};
  for (std::size_t i = 0, n = node_.size(); i < n; ++i) {
    Node k = node_.key_at(i);
    if (k.is_scalar() && k.scalar() == key) {
      if (key_node) *key_node = k;
      return node_.value_at(i);
    }
  }
  return {};
}

Node MapReader::get(std::string_view key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.emplace_back(key);
  return find(key);
}

bool MapReader::has(std::string_view key) const { return find(key).defined(); }

SourcePos MapReader::key_pos(std::string_view key) const {
  Node k;
  if (find(key, &k)) return pos_of(k);
  return pos_of(node_);
}

std::string MapReader::where(std::string_view key) const {
  return "'" + std::string(key) + "' in " + what_;
}

void MapReader::missing(std::string_view key) { missing_.push_back({std::string(key)}); }

void MapReader::missing_one_of(std::vector<std::string> keys) {
  missing_.push_back(std::move(keys));
}

void MapReader::finish() {
  if (!ok_) return;
  std::vector<std::string> seen;
  std::vector<std::string> suggested;  // keys some unknown key is probably a misspelling of
  for (std::size_t i = 0, n = node_.size(); i < n; ++i) {
    Node k = node_.key_at(i);
    if (!k.is_scalar()) {
      sink_.error(pos_of(k), "expected a key name in " + what_ + ", found " + describe(k));
      continue;
    }
    const std::string key(k.scalar());
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      sink_.error(pos_of(k), "duplicate key '" + key + "' in " + what_);
      continue;
    }
    seen.push_back(key);
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string hint = did_you_mean(key, known_);
    if (hint.empty())
      hint = "; expected one of: " + join_list(known_);
    else
      suggested.push_back(hint.substr(hint.find('\'') + 1, hint.rfind('\'') - hint.find('\'') - 1));
    sink_.error(pos_of(k), "unknown key '" + key + "' in " + what_ + hint);
  }
  for (const std::vector<std::string>& keys : missing_) {
    bool explained = std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
      return std::find(suggested.begin(), suggested.end(), k) != suggested.end();
    });
    if (explained) continue;
    std::string names;
    for (std::size_t i = 0; i < keys.size(); ++i) names += (i ? " or '" : "'") + keys[i] + "'";
    sink_.error(pos_of(node_), "missing key " + names + " in " + what_);
  }
}

std::vector<std::pair<Node, Node>> MapReader::entries() const {
  if (!ok_) return {};
  return node_.entries();
}

std::optional<std::string> read_string(const Node& n, Sink& sink, std::string_view where) {
  if (n.is_scalar()) return std::string(n.scalar());
  sink.error(pos_of(n), "expected a string for " + std::string(where) + ", found " + describe(n));
  return std::nullopt;
}

std::optional<int> read_int(const Node& n, Sink& sink, std::string_view where) {
  if (n.is_scalar()) {
    std::string_view s = n.scalar();
    int value = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec == std::errc() && ptr == s.data() + s.size()) return value;
  }
  sink.error(pos_of(n),
             "expected a whole number for " + std::string(where) + ", found " + describe(n));
  return std::nullopt;
}

std::optional<bool> read_bool(const Node& n, Sink& sink, std::string_view where) {
  // Only YAML 1.2's true/false: "yes", "on" and friends are too easy to write by accident.
  if (n.is_scalar()) {
    if (n.scalar() == "true") return true;
    if (n.scalar() == "false") return false;
  }
  sink.error(pos_of(n),
             "expected true or false for " + std::string(where) + ", found " + describe(n));
  return std::nullopt;
}

std::optional<Duration> read_duration(const Node& n, Sink& sink, std::string_view where) {
  if (n.is_scalar()) {
    if (auto d = parse_duration(std::string(n.scalar()))) return d;
    sink.error(pos_of(n), "bad duration '" + std::string(n.scalar()) + "' for " +
                              std::string(where) +
                              "; expected a number and a unit: 100us, 500ms, 2s, 1.5s, 1m");
    return std::nullopt;
  }
  sink.error(pos_of(n), "expected a duration for " + std::string(where) + ", found " + describe(n));
  return std::nullopt;
}

std::optional<Template> read_template(const Node& n, Sink& sink, std::string_view where) {
  auto s = read_string(n, sink, where);
  if (!s) return std::nullopt;
  std::string error;
  auto t = parse_template(*s, &error);
  if (!t) {
    sink.error(pos_of(n), error + " in " + std::string(where));
    return std::nullopt;
  }
  t->pos = pos_of(n);
  return t;
}

std::optional<std::vector<std::string>> read_string_list(const Node& n, Sink& sink,
                                                         std::string_view where) {
  std::vector<std::string> out;
  if (n.is_scalar()) {
    out.emplace_back(n.scalar());
    return out;
  }
  if (n.is_sequence()) {
    bool good = true;
    for (const Node& item : n.items()) {
      if (auto s = read_string(item, sink, where))
        out.push_back(*s);
      else
        good = false;
    }
    if (good) return out;
    return std::nullopt;
  }
  sink.error(pos_of(n), "expected a string or a list of strings for " + std::string(where) +
                            ", found " + describe(n));
  return std::nullopt;
}

}  // namespace ladder::scenario::detail
