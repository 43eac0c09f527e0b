// Builds a Document from yaml-cpp's parser events: the scanner and parser are yaml-cpp's, the
// tree is ours (see yaml_document.h for why).
#include "scenario/yaml_document.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <istream>
#include <limits>
#include <stdexcept>
#include <streambuf>

namespace ladder::scenario::detail {

namespace {

// An istream over the caller's text without copying it (yaml-cpp reads from a std::istream).
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view text) {
    char* p = const_cast<char*>(text.data());  // read-only: the get area is never written
    setg(p, p, p + text.size());
  }
};

constexpr std::uint32_t kMaxIndex = std::numeric_limits<std::uint32_t>::max();

std::uint32_t checked(std::size_t n, std::size_t max = kMaxIndex) {
  if (n >= max)
    throw std::length_error(
        "YAML document too large (a scalar over 1 GiB, a list over 1G items or over 4G nodes)");
  return static_cast<std::uint32_t>(n);
}

}  // namespace

// Appends one record per event. Collections collect their children's indices on a shared
// pending stack and move them into Document::children_ as one range when they end, so every
// node costs one record and one index, whatever the nesting.
class DocumentBuilder : public YAML::EventHandler {
 public:
  explicit DocumentBuilder(Document& doc) : doc_(doc) {}

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    attach(add(mark, Document::Kind::null), anchor);
  }

  void OnAlias(const YAML::Mark&, YAML::anchor_t anchor) override {
    // yaml-cpp's own tree shares the anchored node, position included: so does this one. The
    // parser has already rejected an alias to an unknown anchor.
    attach(anchor < anchors_.size() ? anchors_[anchor] : add({}, Document::Kind::null), 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                const std::string& value) override {
    std::uint32_t index = add(mark, Document::Kind::scalar);
    Document::Record& r = doc_.records_[index];
    r.count = checked(value.size(), Document::kMaxCount) & Document::kMaxCount;
    // A plain scalar is its source bytes: point at them rather than copy (most of a ladder's
    // scalars). yaml-cpp's mark is a byte offset for UTF-8 text; the comparison makes sure.
    const std::string_view source = doc_.source_;
    const auto at = static_cast<std::size_t>(mark.pos);
    if (mark.pos >= 0 && at < source.size() && source.substr(at, value.size()) == value) {
      r.begin = checked(at);
    } else {
      r.begin = checked(source.size() + doc_.arena_.size());
      doc_.arena_ += value;
      checked(source.size() + doc_.arena_.size());
    }
    attach(index, anchor);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(add(mark, Document::Kind::sequence), anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(add(mark, Document::Kind::map), anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  struct Open {
    std::uint32_t record;
    std::size_t first_pending;
  };

  std::uint32_t add(const YAML::Mark& mark, Document::Kind kind) {
    std::uint32_t index = checked(doc_.records_.size());
    Document::Record r;
    r.line = mark.line;
    r.column = mark.column;
    r.kind_bits = static_cast<std::uint32_t>(kind) & 3u;
    doc_.records_.push_back(r);
    return index;
  }

  // Hangs a finished node under the open collection (or makes it the root) and names it.
  void attach(std::uint32_t index, YAML::anchor_t anchor) {
    if (open_.empty())
      doc_.root_ = index;
    else
      pending_.push_back(index);
    if (anchor != YAML::NullAnchor) {
      if (anchors_.size() <= anchor) anchors_.resize(anchor + 1, 0);
      anchors_[anchor] = index;
    }
  }

  void open(std::uint32_t index, YAML::anchor_t anchor) {
    attach(index, anchor);
    open_.push_back({index, pending_.size()});
  }

  void close() {
    Open o = open_.back();
    open_.pop_back();
    Document::Record& r = doc_.records_[o.record];
    r.begin = checked(doc_.children_.size());
    r.count = checked(pending_.size() - o.first_pending, Document::kMaxCount) & Document::kMaxCount;
    doc_.children_.insert(doc_.children_.end(),
                          pending_.begin() + static_cast<std::ptrdiff_t>(o.first_pending),
                          pending_.end());
    pending_.resize(o.first_pending);
  }

  Document& doc_;
  std::vector<Open> open_;
  std::vector<std::uint32_t> pending_;
  std::vector<std::uint32_t> anchors_;
};

Document Document::parse(std::string_view text, std::optional<YamlError>* error) {
  Document doc;
  doc.source_ = text;
  try {
    checked(text.size());  // offsets into text are 32-bit
    ViewBuf buf(text);
    std::istream in(&buf);
    YAML::Parser parser(in);
    DocumentBuilder builder(doc);
    if (!parser.HandleNextDocument(builder)) {
      doc = Document();
      doc.source_ = text;
    }
  } catch (const YAML::ParserException& e) {
    *error = YamlError{"YAML syntax: " + e.msg, e.mark.line, e.mark.column};
    doc = Document();
    doc.source_ = text;
  } catch (const YAML::Exception& e) {
    *error = YamlError{std::string("YAML: ") + e.what(), -1, -1};
    doc = Document();
    doc.source_ = text;
  } catch (const std::length_error& e) {
    *error = YamlError{std::string("YAML: ") + e.what(), -1, -1};
    doc = Document();
    doc.source_ = text;
  }
  if (doc.records_.empty()) {  // no document at all: a null root with no position
    doc.records_.push_back(Record{});
    doc.root_ = 0;
  }
  doc.records_.shrink_to_fit();
  doc.children_.shrink_to_fit();
  doc.arena_.shrink_to_fit();
  return doc;
}

// --- Node -------------------------------------------------------------------------------------

bool Node::is_null() const { return doc_ && doc_->records_[index_].kind() == Document::Kind::null; }
bool Node::is_scalar() const {
  return doc_ && doc_->records_[index_].kind() == Document::Kind::scalar;
}
bool Node::is_map() const { return doc_ && doc_->records_[index_].kind() == Document::Kind::map; }
bool Node::is_sequence() const {
  return doc_ && doc_->records_[index_].kind() == Document::Kind::sequence;
}

std::string_view Node::scalar() const {
  if (!is_scalar()) return {};
  const Document::Record& r = doc_->records_[index_];
  if (r.begin < doc_->source_.size()) return doc_->source_.substr(r.begin, r.count);
  return std::string_view(doc_->arena_).substr(r.begin - doc_->source_.size(), r.count);
}

std::string Node::as_string(std::string_view fallback) const {
  if (is_null()) return "null";
  if (is_scalar()) return std::string(scalar());
  return std::string(fallback);
}

std::size_t Node::size() const {
  if (is_sequence()) return doc_->records_[index_].count;
  if (is_map()) return doc_->records_[index_].count / 2;
  return 0;
}

Node Node::operator[](std::size_t i) const {
  if (!is_sequence() || i >= size()) return {};
  return Node(doc_, doc_->children_[doc_->records_[index_].begin + i]);
}

Node Node::key_at(std::size_t i) const {
  if (!is_map() || i >= size()) return {};
  return Node(doc_, doc_->children_[doc_->records_[index_].begin + 2 * i]);
}

Node Node::value_at(std::size_t i) const {
  if (!is_map() || i >= size()) return {};
  return Node(doc_, doc_->children_[doc_->records_[index_].begin + 2 * i + 1]);
}

int Node::line() const { return doc_ ? doc_->records_[index_].line : -1; }
int Node::column() const { return doc_ ? doc_->records_[index_].column : -1; }

std::vector<Node> Node::items() const {
  std::vector<Node> out;
  if (!is_sequence()) return out;
  const Document::Record& r = doc_->records_[index_];
  out.reserve(r.count);
  for (std::uint32_t i = 0; i < r.count; ++i)
    out.push_back(Node(doc_, doc_->children_[r.begin + i]));
  return out;
}

std::vector<std::pair<Node, Node>> Node::entries() const {
  std::vector<std::pair<Node, Node>> out;
  if (!is_map()) return out;
  const Document::Record& r = doc_->records_[index_];
  out.reserve(r.count / 2);
  for (std::uint32_t i = 0; i + 1 < r.count; i += 2) {
    out.emplace_back(Node(doc_, doc_->children_[r.begin + i]),
                     Node(doc_, doc_->children_[r.begin + i + 1]));
  }
  return out;
}

}  // namespace ladder::scenario::detail
