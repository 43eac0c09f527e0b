// `ladder run DIR`: prints each ladder's verdict as it ends, then one summary; writes the JSON
// and the mergeable JUnit files.
#include "cli/run_folder.h"

#include <cstdio>
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

}  // namespace

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

}  // namespace ladder::cli
