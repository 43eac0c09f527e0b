// Private to the loader: the parse phase's output before references are resolved.
//
// Loading is two passes. Parsing (steps.cpp, expectations.cpp) turns YAML into model structs and
// keeps step references as written (id + position); validate.cpp then resolves them to indices,
// infers what the file leaves implicit and checks everything that needs the whole file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/scenario.h"
#include "scenario/yaml_reader.h"

namespace ladder::scenario::detail {

/// A step reference as written: `forwards: F1`.
struct Ref {
  std::string id;
  SourcePos pos;
};

struct ParsedStep {
  /// The step being read, already in its final place in ParsedScenario::scenario.steps (a step
  /// is over a kilobyte: a second copy of every step doubled the peak on long ladders). Not
  /// owned; that vector is reserved up front so the pointer stays valid.
  Step* step = nullptr;
  bool complete = false;  ///< id, from, to and one of request/response were all readable
  SourcePos from_pos, to_pos, dialog_pos, kind_pos;
  std::optional<Ref> answers, forwards, after, within_of;
  std::optional<Duration> within_max;
  SourcePos within_pos;
};

struct ParsedScenario {
  Scenario scenario;
  std::vector<ParsedStep> steps;
  std::vector<std::vector<Ref>> any_order;
};

/// One element of `steps:` into `step`. `number` is 1-based, for messages about steps without
/// an id. The result points at `step`.
ParsedStep parse_step(const Node& node, int number, Sink& sink, Step& step);

/// `headers:` of a step.
std::vector<HeaderExpectation> parse_headers(const Node& node, Sink& sink, const std::string& what);
/// `body:` of a step.
std::optional<BodyExpectation> parse_body(const Node& node, Sink& sink, const std::string& what);
/// `uri:` of a request step, or `uri:` inside a header expectation.
std::optional<UriExpectation> parse_uri(const Node& node, Sink& sink, const std::string& what);
/// `send:` of a step.
std::optional<SendSpec> parse_send(const Node& node, Sink& sink, const std::string& what);

/// Resolves references, infers answers and causal order, checks variables. Fills ps.scenario.steps.
void validate(ParsedScenario& ps, Sink& sink);

}  // namespace ladder::scenario::detail

namespace ladder::scenario::detail {

/// Reads a whole file; empty with *error set ("cannot read file: No such file or directory").
std::optional<std::string> read_file(const std::string& path, std::string* error);

}  // namespace ladder::scenario::detail
