// `ladder run DIR`: every ladder under a folder, selected by tag and by shard, each run as a
// single `ladder run` would run it (usecase::run), with one result at the end.
//
// Kept apart from usecase.h because only the CLI's folder runs need it.
//
// Threading: runs in the calling thread, one ladder after another; hooks as in usecase.h.
#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "usecase/usecase.h"

namespace ladder::usecase {

/// `--shard I/N`: the I-th (1-based) of N disjoint parts of a selection.
struct Shard {
  std::size_t index = 1;  ///< 1..count
  std::size_t count = 1;
};

/// "2/4" -> {2, 4}. Unexpected: one sentence on what is wrong with the text.
std::expected<Shard, std::string> parse_shard(const std::string& text);

/// One ladder file found under the folder.
struct FolderLadder {
  std::filesystem::path path;  ///< as found (the folder joined with the relative path)
  std::string relative;        ///< path relative to the folder, '/'-separated: the stable key
  std::vector<std::string> tags;
  bool valid = false;  ///< loaded without errors (an invalid one is never filtered out)
};

struct Selection {
  std::vector<FolderLadder> ladders;          ///< this shard's, sorted by `relative`
  std::size_t matched = 0;                    ///< ladders that the tags selected, over every shard
  std::size_t found = 0;                      ///< ladder files under the folder
  std::vector<core::Diagnostic> diagnostics;  ///< what stopped listing (a ladder's own errors
                                              ///< are said when it runs)
};

/// Every ladder under `dir` (recursive, sorted by relative path) that has any of `tags` (all
/// when empty), then this shard's part: the k-th selected ladder (0-based, in that order) goes
/// to shard k % N + 1. Shards of one selection are disjoint, their union is the selection, and
/// their sizes differ by at most one. A ladder that does not load is kept whatever the tags
/// (its tags are unknown), so it fails loudly instead of silently leaving the run.
Selection select_ladders(const std::filesystem::path& dir, const std::vector<std::string>& tags,
                         Shard shard);

struct FolderRequest {
  std::string dir;
  std::vector<std::string> tags;  ///< any of them; empty: every ladder
  Shard shard;
  /// Everything else as for one ladder; `scenarios` is ignored and `out` is the base folder:
  /// each ladder gets out/<relative path without extension> (default reports/<time>-<folder>).
  RunRequest run;
};

/// One selected ladder and how its run ended.
struct FolderEntry {
  std::string relative;
  Outcome outcome = Outcome::bad_input;
  std::string error;             ///< why it did not run, when bad_input or environment
  std::optional<LadderRun> run;  ///< when it ran
  double seconds = 0;
};

struct FolderResult {
  Outcome outcome = Outcome::bad_input;  ///< the worst of the entries (passed < failed <
                                         ///< bad_input < environment)
  std::string error;                     ///< one sentence when nothing could be selected
  std::vector<FolderEntry> entries;      ///< in selection order; fewer when interrupted
  std::size_t matched = 0;               ///< as in Selection
  std::size_t found = 0;
  std::string out;  ///< the base run folder
  bool interrupted = false;
  double seconds = 0;
};

/// The worse of two outcomes, in the order of DESIGN.md's exit codes.
Outcome worst(Outcome a, Outcome b);

/// Selects, then runs each ladder through usecase::run, carrying on after a ladder that fails
/// or cannot run (its entry says why). `on_entry` is called after each ladder.
FolderResult run_folder(const FolderRequest& request, const Hooks& hooks,
                        const std::function<void(const FolderEntry&)>& on_entry);

}  // namespace ladder::usecase
