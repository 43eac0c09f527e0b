// `ladder run DIR`: select the ladders of a folder by tag and shard, run each through
// usecase::run (the single-ladder path, not a copy of it), keep going after a failure.
#include "usecase/folder.h"

#include <algorithm>
#include <charconv>
#include <chrono>

#include "scenario/list.h"
#include "usecase/run_dir.h"

namespace ladder::usecase {
namespace {

namespace fs = std::filesystem;

bool has_any(const std::vector<std::string>& have, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return std::find(have.begin(), have.end(), w) != have.end();
  });
}

std::optional<std::size_t> number(std::string_view s) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// The folder's name for the default run folder: "scenarios/hold/" -> "hold".
std::string folder_name(const std::string& dir) {
  fs::path p = fs::path(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();
  std::string name = p.filename().string();
  return name.empty() || name == "." || name == ".." ? "folder" : name;
}

}  // namespace

std::expected<Shard, std::string> parse_shard(const std::string& text) {
  auto slash = text.find('/');
  std::string bad = "--shard " + text + ": expected I/N with 1 <= I <= N, e.g. 2/4";
  if (slash == std::string::npos) return std::unexpected(bad);
  auto i = number(std::string_view(text).substr(0, slash));
  auto n = number(std::string_view(text).substr(slash + 1));
  if (!i || !n || *n == 0 || *i == 0 || *i > *n) return std::unexpected(bad);
  return Shard{*i, *n};
}

Outcome worst(Outcome a, Outcome b) {
  return static_cast<std::uint8_t>(a) > static_cast<std::uint8_t>(b) ? a : b;
}

Selection select_ladders(const fs::path& dir, const std::vector<std::string>& tags, Shard shard) {
  Selection out;
  // One spelling of the folder ("lib/./" -> "lib"), so that the relative paths, the shard keys,
  // do not depend on how DIR was typed.
  fs::path base = dir.lexically_normal();
  if (base.filename().empty() && base.has_parent_path()) base = base.parent_path();
  scenario::ListResult listed = scenario::list_scenarios(base);
  // A ladder's own errors are said when it runs (in whichever shard has it); only what stopped
  // listing (a folder or file that cannot be read) is said here.
  for (core::Diagnostic& d : listed.diagnostics) {
    bool of_a_ladder = std::any_of(listed.scenarios.begin(), listed.scenarios.end(),
                                   [&](const scenario::ScenarioInfo& s) {
                                     std::string p = s.path.string();
                                     return d.where == p || d.where.starts_with(p + ":");
                                   });
    if (!of_a_ladder) out.diagnostics.push_back(std::move(d));
  }
  std::vector<FolderLadder> all;
  for (scenario::ScenarioInfo& s : listed.scenarios) {
    FolderLadder l;
    l.relative = s.path.lexically_relative(base).generic_string();
    l.path = std::move(s.path);
    l.tags = std::move(s.tags);
    l.valid = s.valid;
    all.push_back(std::move(l));
  }
  out.found = all.size();
  // list_scenarios sorts by the full path; the shard key is the relative one, sorted as text so
  // that every machine and every spelling of DIR partitions alike.
  std::sort(all.begin(), all.end(),
            [](const FolderLadder& a, const FolderLadder& b) { return a.relative < b.relative; });
  std::size_t k = 0;
  for (FolderLadder& l : all) {
    if (l.valid && !has_any(l.tags, tags)) continue;
    if (k++ % shard.count == shard.index - 1) out.ladders.push_back(std::move(l));
  }
  out.matched = k;
  return out;
}

FolderResult run_folder(const FolderRequest& rq, const Hooks& hooks,
                        const std::function<void(const FolderEntry&)>& on_entry) {
  auto started = std::chrono::steady_clock::now();
  FolderResult result;
  auto report = [&](const core::Diagnostic& d) {
    if (hooks.diagnostic) hooks.diagnostic(d);
  };
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };

  // The testbed once, up front: a broken one stops everything before anything runs, and its
  // warnings are said once rather than once per ladder.
  scenario::TestbedResult tb = scenario::load_testbed(rq.run.testbed);
  for (const core::Diagnostic& d : tb.diagnostics) report(d);
  if (!tb.ok()) {
    result.error = "the testbed " + rq.run.testbed + " cannot be used";
    return result;
  }

  std::error_code ec;
  if (!fs::is_directory(rq.dir, ec)) {
    result.error = rq.dir + ": not a folder";
    return result;
  }
  Selection sel = select_ladders(rq.dir, rq.tags, rq.shard);
  for (const core::Diagnostic& d : sel.diagnostics) report(d);
  result.matched = sel.matched;
  result.found = sel.found;
  if (sel.found == 0) {
    result.error = "no ladder files under " + rq.dir;
    return result;
  }
  if (sel.matched == 0) {
    std::string tags;
    for (const std::string& t : rq.tags) tags += (tags.empty() ? "" : ", ") + t;
    result.outcome = Outcome::failed;
    result.error = "no ladder under " + rq.dir + " has any of the tags " + tags;
    return result;
  }

  result.out = rq.run.out.empty() ? default_run_dir(folder_name(rq.dir)) : rq.run.out;
  result.outcome = Outcome::passed;
  // The testbed was reported above; each single run loads it again and would repeat it.
  Hooks quiet = hooks;
  quiet.diagnostic = [&](const core::Diagnostic& d) {
    const std::string& t = rq.run.testbed;
    if (d.where != t && !d.where.starts_with(t + ":")) report(d);
  };
  auto stop = [&] { return hooks.stop_requested && hooks.stop_requested(); };
  for (const FolderLadder& l : sel.ladders) {
    if (stop()) break;
    auto one_started = std::chrono::steady_clock::now();
    RunRequest one = rq.run;
    one.scenarios = {l.path.string()};
    one.out = (fs::path(result.out) / fs::path(l.relative).replace_extension()).string();
    RunResult r = run(one, quiet, {});
    FolderEntry e;
    e.relative = l.relative;
    e.outcome = r.outcome;
    e.error = r.error;
    if (e.outcome == Outcome::bad_input && e.error.empty()) e.error = "the ladder cannot be used";
    if (!r.ladders.empty()) e.run = std::move(r.ladders.front());
    e.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - one_started).count();
    result.outcome = worst(result.outcome, e.outcome);
    result.interrupted |= r.interrupted;
    if (on_entry) on_entry(e);
    result.entries.push_back(std::move(e));
  }
  result.interrupted |= stop();
  if (result.interrupted) result.outcome = worst(result.outcome, Outcome::failed);
  result.seconds = elapsed();
  return result;
}

}  // namespace ladder::usecase
