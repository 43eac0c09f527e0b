// Private to the scenario loader: a parsed YAML document as one flat, read-only tree.
//
// yaml-cpp's own Node tree costs about 6 KiB per ladder step (shared_ptr-held nodes, maps as
// vectors of pairs, a std::string per scalar): 640 MiB for a 100,000-step ladder before the
// loader reads a single key. This tree is built from the parser's events instead: one 16-byte
// record per node, children as index ranges, and a scalar's text a range of the source when it
// is written there as is (plain scalars), else of one arena (quoted, escaped, folded). Node is a
// cheap handle into it, with the few questions the loader asks of yaml-cpp's Node, and yaml-cpp
// itself stays inside yaml_document.cpp.
//
// Ownership: a Document borrows the source text (it must outlive the Document) and owns the
// rest; a Node is a borrowed view, valid while its Document lives. Threading: read-only after
// parse, so a Document may be read from several threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ladder::scenario::detail {

class Document;

/// A node of a Document, or "undefined" (a key not in a map): test with `if (node)`. YAML null
/// (`~`, `null`, an empty value) is defined but neither a scalar, a list nor a map.
class Node {
 public:
  Node() = default;

  explicit operator bool() const { return doc_ != nullptr; }
  bool defined() const { return doc_ != nullptr; }
  bool is_null() const;
  bool is_scalar() const;
  bool is_map() const;
  bool is_sequence() const;
  /// The scalar's text; empty for anything but a scalar.
  std::string_view scalar() const;
  /// scalar() as an owned string.
  std::string str() const { return std::string(scalar()); }
  /// The scalar's text, "null" for a null, else `fallback` (as yaml-cpp's `as<std::string>`).
  std::string as_string(std::string_view fallback) const;
  /// Number of items of a list or entries of a map; 0 otherwise.
  std::size_t size() const;
  /// Item i of a list (undefined when out of range or not a list).
  Node operator[](std::size_t i) const;
  /// 0-based line and column as yaml-cpp reports them; -1 when unknown.
  int line() const;
  int column() const;

  /// Key and value of entry i of a map (undefined when out of range or not a map).
  Node key_at(std::size_t i) const;
  Node value_at(std::size_t i) const;

  /// The items of a list (empty for anything else), in document order.
  std::vector<Node> items() const;
  /// The key/value entries of a map (empty for anything else), in document order, duplicates
  /// kept so that the reader can report them.
  std::vector<std::pair<Node, Node>> entries() const;

 private:
  friend class Document;
  Node(const Document* doc, std::uint32_t index) : doc_(doc), index_(index) {}

  const Document* doc_ = nullptr;
  std::uint32_t index_ = 0;
};

/// A syntax error: yaml-cpp's message and its 0-based position (-1 when unknown).
struct YamlError {
  std::string message;
  int line = -1, column = -1;
};

/// The first YAML document of a text. Move-only: Nodes point into it.
class Document {
 public:
  /// Parses the first document of text, which must outlive the Document. An empty text gives a
  /// null root with no position, as yaml-cpp's Load does.
  static Document parse(std::string_view text, std::optional<YamlError>* error);

  Document(Document&&) = default;
  Document& operator=(Document&&) = default;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  Node root() const { return Node(this, root_); }

  enum class Kind : std::uint8_t { null, scalar, sequence, map };
  /// One node, 16 bytes. For a scalar, [begin, begin + count) is its text in the source, or in
  /// the arena at begin - source size when begin is past the source's end; for a
  /// list, children_[begin, begin + count) its items; for a map, the same holds keys and values
  /// alternately (count is twice the number of entries).
  struct Record {
    std::int32_t line = -1, column = -1;
    std::uint32_t begin = 0;
    std::uint32_t count : 30 = 0;
    std::uint32_t kind_bits : 2 = 0;
    Kind kind() const { return static_cast<Kind>(kind_bits); }
  };
  /// The largest count a Record holds.
  static constexpr std::uint32_t kMaxCount = (1u << 30) - 1;

 private:
  friend class Node;
  friend class DocumentBuilder;
  Document() = default;

  std::vector<Record> records_;
  std::vector<std::uint32_t> children_;
  std::string_view source_;
  std::string arena_;
  std::uint32_t root_ = 0;
};

}  // namespace ladder::scenario::detail
