// The run index (reports/index.html): one row per run directory, read from its report.json so it
// always agrees with the reports. Reads JSON, so nlohmann/json is included here too (read-only).
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "report/html.h"
#include "report/html_page.h"

namespace ladder::report {
namespace {

namespace fs = std::filesystem;

struct Run {
  std::string dir;  // relative to the reports directory, with '/'
  std::int64_t when = 0;  // seconds since the epoch: when report.json was written
  std::string scenario, testbed, failure, capture;
  bool passed = false;
  bool readable = true;
  bool has_html = false;
};

std::string utc(std::int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

Run read_run(const fs::path& root, const fs::path& dir) {
  Run r;
  r.dir = fs::relative(dir, root).generic_string();
  std::error_code ec;
  auto mtime = fs::last_write_time(dir / "report.json", ec);
  if (!ec) {
    auto sys = std::chrono::file_clock::to_sys(mtime);
    r.when = std::chrono::duration_cast<std::chrono::seconds>(sys.time_since_epoch()).count();
  }
  r.has_html = fs::exists(dir / "report.html", ec);
  if (fs::exists(dir / "capture.pcap", ec)) r.capture = r.dir + "/capture.pcap";
  std::ifstream in(dir / "report.json", std::ios::binary);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    r.readable = false;
    return r;
  }
  r.scenario = j.value("scenario", "");
  r.passed = j.value("passed", false);
  if (auto n = j.find("notes"); n != j.end() && n->is_array()) {
    for (const auto& note : *n) {
      if (note.is_string() && note.get<std::string>().rfind("testbed: ", 0) == 0) {
        r.testbed = note.get<std::string>().substr(9);
      }
    }
  }
  if (auto f = j.find("failures"); f != j.end() && f->is_array()) {
    for (const auto& x : *f) {
      if (!x.is_object() || x.value("warning", false)) continue;
      std::string step = x.value("step", "");
      r.failure = (step.empty() ? "" : step + ": ") + x.value("message", "");
      break;
    }
  }
  return r;
}

// Run directories are those with a report.json: reports/<time>-<ladder>, reports/<run>/<ladder>,
// and a folder run's reports/<time>-<folder>/<path in the folder>/<ladder>. Not deeper than
// kMaxDepth, and not into a run directory.
constexpr int kMaxDepth = 6;

std::vector<Run> find_runs(const fs::path& root, std::error_code& ec) {
  std::vector<Run> runs;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  for (fs::recursive_directory_iterator end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (!it->is_directory(e2)) continue;
    if (fs::exists(it->path() / "report.json", e2)) {
      runs.push_back(read_run(root, it->path()));
      it.disable_recursion_pending();
    } else if (it.depth() + 1 >= kMaxDepth) {
      it.disable_recursion_pending();
    }
  }
  std::sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    return a.when != b.when ? a.when > b.when : a.dir > b.dir;
  });
  return runs;
}

std::string anchor(const std::string& href, const std::string& text) {
  return "<a href=\"" + html::escape(href) + "\">" + html::escape(text) + "</a>";
}

}  // namespace

std::string index_html(const std::string& reports_dir) {
  std::error_code ec;
  std::vector<Run> runs = find_runs(reports_dir, ec);
  std::size_t failed = 0;
  std::string rows;
  for (const Run& r : runs) {
    failed += !r.passed;
    rows += "<tr><td>" + (r.when ? utc(r.when) + " UTC" : "") + "</td><td>" +
            html::escape(r.readable ? r.scenario : "(report.json unreadable)") + "</td><td>" +
            html::escape(r.testbed) + "</td><td class=\"" + (r.passed ? "passed\">PASSED" : "failed\">FAILED") +
            "</td><td>" + html::escape(r.failure) + "</td><td>" +
            (r.has_html ? anchor(r.dir + "/report.html", "report") : anchor(r.dir + "/report.json", "report.json")) +
            "</td><td>" + (r.capture.empty() ? "" : anchor(r.capture, "capture")) + "</td></tr>\n";
  }
  std::string body = "<header><h1>ladder runs</h1><div class=\"sub\">" + html::escape(reports_dir) +
                     ": " + std::to_string(runs.size()) + " runs, " + std::to_string(failed) +
                     " failed (newest first)</div></header>\n<table class=\"idx\"><thead><tr>"
                     "<th>time</th><th>ladder</th><th>testbed</th><th>verdict</th>"
                     "<th>first failure</th><th></th><th></th></tr></thead><tbody>\n" +
                     rows + "</tbody></table>";
  return html::page("ladder runs", body);
}

std::string write_index(const std::string& reports_dir) {
  fs::path path = fs::path(reports_dir) / "index.html";
  fs::path tmp = fs::path(reports_dir) / ".index.html.tmp";
  {
    std::ofstream f(tmp, std::ios::binary);
    f << index_html(reports_dir);
    f.close();
    if (!f) return "cannot write " + tmp.string();
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);  // readers never see half a page
  if (ec) return "cannot write " + path.string() + ": " + ec.message();
  return "";
}

}  // namespace ladder::report
