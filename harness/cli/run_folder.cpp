// `ladder run DIR`: prints each ladder's verdict as it ends, then one summary; writes the JSON
// and the mergeable JUnit files.
#include "cli/run_folder.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "cli/output.h"
#include "report/report.h"

namespace ladder::cli {
namespace {

const char* word(usecase::Outcome o) {
  switch (o) {
    case usecase::Outcome::passed:
      return "PASSED";
    case usecase::Outcome::failed:
      return "FAILED";
    case usecase::Outcome::bad_input:
      return "INPUT ";
    case usecase::Outcome::environment:
      return "ENV   ";
  }
  return "?";
}

std::string ladders(std::size_t n) { return std::to_string(n) + (n == 1 ? " ladder" : " ladders"); }

std::string seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", s);
  return buf;
}

std::string selection(const usecase::FolderRequest& rq) {
  std::string what;
  for (const std::string& t : rq.tags) what += (what.empty() ? "tag " : " or ") + t;
  if (rq.shard.count > 1) {
    what += (what.empty() ? "" : ", ") + std::string("shard ") + std::to_string(rq.shard.index) +
            "/" + std::to_string(rq.shard.count);
  }
  return what.empty() ? "" : " (" + what + ")";
}

std::string summary(const usecase::FolderRequest& rq, const usecase::FolderResult& r) {
  std::size_t width = 0, passed = 0, failed = 0;
  for (const usecase::FolderEntry& e : r.entries) width = std::max(width, e.relative.size());
  std::string rows;
  for (const usecase::FolderEntry& e : r.entries) {
    passed += e.outcome == usecase::Outcome::passed;
    failed += e.outcome == usecase::Outcome::failed;
    std::string where = e.run ? e.run->dir : e.error;
    rows += "  " + std::string(word(e.outcome)) + "  " + e.relative +
            std::string(width - e.relative.size() + 2, ' ') + seconds(e.seconds) + "  " + where +
            "\n";
  }
  std::size_t not_run = r.entries.size() - passed - failed;
  std::string head = "\nladder run " + rq.dir + selection(rq) + ": " +
                     std::to_string(r.entries.size()) + " of " + ladders(r.found) +
                     ", run folder " + r.out + "\n";
  std::string tail = ladders(r.entries.size()) + ": " + std::to_string(passed) + " passed, " +
                     std::to_string(failed) + " failed, " + std::to_string(not_run) +
                     " could not run; " + seconds(r.seconds) + " in all" +
                     (r.interrupted ? "; interrupted" : "") + "\n";
  return head + rows + tail;
}

// One suite per ladder file, named by its path relative to the folder; the test's name is that
// path too, so files of several shards (or several folders' runs) merge without clashes.
report::JunitSuite junit_suite(const usecase::FolderEntry& e) {
  report::JunitCase c;
  if (e.run) {
    c = report::junit_case(e.run->scenario, e.run->verdict, e.relative);
  } else {
    c.suite = "ladder";
    c.name = e.relative;
    c.failure_message = e.error.empty() ? "did not run" : e.error;
    c.failure_text = c.failure_message + "\n";
  }
  c.seconds = e.seconds;
  return {e.relative, {c}};
}

struct FolderArgs {
  usecase::FolderRequest request;
  std::string json;
  std::string junit;
};

int run_folder(const FolderArgs& a, const usecase::Hooks& hooks) {
  usecase::FolderResult r =
      usecase::run_folder(a.request, hooks, [](const usecase::FolderEntry& e) {
        if (e.run) {
          report::VerdictOptions vo;
          vo.title = e.relative + ": " + e.run->source;
          print(report::render_verdict(e.run->scenario, e.run->verdict, vo));
        } else {
          std::fprintf(stderr, "ladder run: %s: %s\n", e.relative.c_str(),
                       e.error.empty() ? "did not run" : e.error.c_str());
        }
      });
  if (!r.error.empty()) std::fprintf(stderr, "ladder run: %s\n", r.error.c_str());
  if (r.entries.empty() && r.matched == 0) return exit_code(r.outcome);
  if (r.entries.empty() && !r.interrupted) {
    print("ladder run " + a.request.dir + selection(a.request) + ": this shard has none of the " +
          std::to_string(r.matched) + " selected\n");
  }

  std::vector<report::VerdictOf> verdicts;
  std::vector<report::JunitSuite> suites;
  for (const usecase::FolderEntry& e : r.entries) {
    if (e.run) verdicts.push_back({&e.run->scenario, &e.run->verdict, e.run->source});
    suites.push_back(junit_suite(e));
  }
  const std::pair<std::string, std::string> files[] = {
      {a.json, report::verdicts_json(verdicts) + "\n"}, {a.junit, report::junit_xml(suites)}};
  for (const auto& [path, text] : files) {
    if (path.empty()) continue;
    if (std::string e = write_file(path, text); !e.empty()) {
      std::fprintf(stderr, "ladder run: %s\n", e.c_str());
      return environment;
    }
  }
  if (!r.entries.empty()) print(summary(a.request, r));
  return exit_code(r.outcome);
}

}  // namespace

void add_folder_options(CLI::App& run, FolderOptions& o) {
  run.add_option("--tag", o.tags,
                 "Folder runs: only ladders with this tag; repeat it for any of several "
                 "(--tag hold --tag transfer, or --tag hold,transfer)")
      ->allow_extra_args(false)
      ->delimiter(',');
  run.add_option("--shard", o.shard,
                 "Folder runs: only part I of N (1 <= I <= N) of the selected ladders, for CI "
                 "matrices: sorted by path, the k-th goes to part k mod N + 1, so the N parts "
                 "are disjoint and cover the selection");
}

std::optional<int> run_if_folder(const usecase::RunRequest& request, const FolderOptions& o,
                                 const std::string& json, const std::string& junit,
                                 const usecase::Hooks& hooks) {
  const std::vector<std::string>& paths = request.scenarios;
  std::error_code ec;
  bool folder = std::any_of(paths.begin(), paths.end(), [&](const std::string& p) {
    return std::filesystem::is_directory(p, ec);
  });
  if (!folder) {
    if (o.tags.empty() && o.shard.empty()) return std::nullopt;
    std::fprintf(stderr,
                 "ladder run: --tag and --shard select ladders from a folder: give one "
                 "DIR instead of ladder files\n");
    return bad_input;
  }
  if (paths.size() != 1) {
    std::fprintf(stderr, "ladder run: a folder runs alone: give one DIR, or ladder files\n");
    return bad_input;
  }
  FolderArgs f{{paths.front(), o.tags, {}, request}, json, junit};
  if (!o.shard.empty()) {
    auto shard = usecase::parse_shard(o.shard);
    if (!shard) {
      std::fprintf(stderr, "ladder run: %s\n", shard.error().c_str());
      return bad_input;
    }
    f.request.shard = *shard;
  }
  return run_folder(f, hooks);
}

}  // namespace ladder::cli
