// `ladder check CAPTURE --scenario S.yaml`: parses, calls usecase::check, renders, exits.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "report/report.h"
#include "usecase/usecase.h"

namespace ladder::cli {
namespace {

struct CheckArgs {
  std::string capture;
  std::string scenario;
  std::string testbed;
  std::vector<std::string> roles;
  std::vector<std::string> sets;
  std::string call_id;
  std::string json;
  std::string junit;
  std::string html;
  bool rules_warn = false;
  bool each = false;
  bool all = false;  ///< list the failures that follow from a root failure, not only their count
  unsigned jobs = 0;  ///< 0: one per core
  std::string live;   ///< interface: check every call live instead of a file
  std::string duration;
  std::string pcap;   ///< --live: save the capture here
  std::size_t buffer_mib = 64;
  std::string idle;
};

volatile std::sig_atomic_t g_interrupted = 0;
extern "C" void on_live_sigint(int) { g_interrupted = 1; }

// "live check: peak RSS 41 MiB, CPU 3.20 s (user 2.91 s, system 0.29 s)": what checking the
// capture cost this process, for a benchmark beside a load generator.
void print_usage_line() {
  rusage ru{};
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return;
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  std::fprintf(stderr, "ladder check --live: peak RSS %ld MiB, CPU %.2f s (user %.2f s, system %.2f s)\n",
               ru.ru_maxrss / 1024, s(ru.ru_utime) + s(ru.ru_stime), s(ru.ru_utime), s(ru.ru_stime));
}

// "B.user=bob" sets a role attribute, "name=value" a variable.
bool apply_set(const std::string& text, scenario::Bindings& b) {
  std::size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return false;
  std::string key = text.substr(0, eq), value = text.substr(eq + 1);
  std::size_t dot = key.find('.');
  if (dot == std::string::npos) b.variables[key] = value;
  else b.roles[key.substr(0, dot)][key.substr(dot + 1)] = value;
  return true;
}

// The capture as a link from the page at `page`: relative, so the two can move together.
std::string relative_link(const std::string& capture, const std::string& page) {
  if (capture == "-" || page == "-") return "";
  std::error_code ec;
  std::filesystem::path base = std::filesystem::absolute(page, ec).parent_path();
  std::filesystem::path rel = std::filesystem::relative(capture, base, ec);
  return ec || rel.empty() ? "" : rel.generic_string();
}

// The report files the user asked for; an exit code when one cannot be written.
int write_reports(const CheckArgs& a, const usecase::CheckResult& r, double seconds) {
  const scenario::Scenario& sc = *r.scenario;
  std::string json, junit, html;
  if (r.each) {
    json = report::each_json(sc, *r.each, a.capture);
    if (!a.html.empty()) html = report::each_html(sc, *r.each, a.capture);
    junit = report::junit_xml("ladder check --each " + a.capture,
                              report::each_junit_cases(sc, *r.each));
  } else {
    json = report::verdict_json(sc, *r.verdict, a.capture);
    if (!a.html.empty()) {
      report::HtmlVerdict in{.scenario = &sc, .verdict = &*r.verdict, .messages = r.messages,
                             .capture = a.capture, .capture_link = relative_link(a.capture, a.html),
                             .title = {}};
      html = report::verdict_html(in);
    }
    report::JunitCase c = report::junit_case(sc, *r.verdict, sc.name);
    c.seconds = seconds;  // the check's own time, not 0.000 (issue 12)
    junit = report::junit_xml("ladder check " + a.capture, {c});
  }
  for (const auto& [path, text] : {std::pair{a.json, json + "\n"}, std::pair{a.junit, junit},
                                  std::pair{a.html, html}}) {
    if (path.empty()) continue;
    if (std::string e = write_file(path, text); !e.empty()) {
      std::fprintf(stderr, "ladder check: %s\n", e.c_str());
      return environment;
    }
  }
  return ok;
}

int run_check(const CheckArgs& in) {
  auto started = std::chrono::steady_clock::now();
  CheckArgs a = in;
  usecase::CheckRequest rq;
  if (a.live.empty() == a.capture.empty()) {
    std::fprintf(stderr, "ladder check: give a capture file or --live INTERFACE (one of them)\n");
    return bad_input;
  }
  if (!a.idle.empty()) {
    auto d = scenario::parse_duration(a.idle);
    if (!d || d->count() <= 0) {
      std::fprintf(stderr, "ladder check: --idle: expected a duration such as 10s, got '%s'\n",
                   a.idle.c_str());
      return bad_input;
    }
    rq.idle = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
  }
  if (!a.live.empty()) {
    if (!a.duration.empty()) {
      auto d = scenario::parse_duration(a.duration);
      if (!d || d->count() <= 0) {
        std::fprintf(stderr, "ladder check: --duration: expected a duration such as 60s, got '%s'\n",
                     a.duration.c_str());
        return bad_input;
      }
      rq.duration = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
    rq.live = a.live;
    rq.save = a.pcap;
    rq.buffer_mib = a.buffer_mib;
    a.capture = "live capture on " + a.live;
    bool tty = ::isatty(2) != 0;
    rq.on_live = [tty, started = false, what = a.live + (a.duration.empty() ? "" : " for " + a.duration)](
                     const usecase::LiveStats& st, double seconds) mutable {
      if (!started) {  // the capture is open: whoever makes the load may start it now
        started = true;
        std::fprintf(stderr, "ladder check: checking every call live on %s (Ctrl-C stops)\n",
                     what.c_str());
        std::fflush(stderr);
      }
      if (!tty) return;
      std::fprintf(stderr, "\r%6.1f s  %llu passed, %llu failed, %llu unknown, %llu open, %llu kernel drops ",
                   seconds, static_cast<unsigned long long>(st.passed),
                   static_cast<unsigned long long>(st.failed),
                   static_cast<unsigned long long>(st.unknown),
                   static_cast<unsigned long long>(st.open),
                   static_cast<unsigned long long>(st.kernel_drops));
    };
    std::signal(SIGINT, on_live_sigint);
    std::signal(SIGTERM, on_live_sigint);
  }
  rq.capture = a.capture;
  rq.scenario = a.scenario;
  rq.testbed = a.testbed;
  rq.call_id = a.call_id;
  rq.rules_warn = a.rules_warn;
  rq.each = a.each;
  rq.jobs = a.jobs;
  std::string error;
  auto given = scenario::RoleMap::parse(a.roles, &error);
  if (!given) {
    std::fprintf(stderr, "ladder check: --role: %s\n", error.c_str());
    return bad_input;
  }
  rq.roles = std::move(*given);
  for (const std::string& s : a.sets) {
    if (!apply_set(s, rq.sets)) {
      std::fprintf(stderr, "ladder check: --set '%s': expected NAME=VALUE or ROLE.attr=VALUE\n",
                   s.c_str());
      return bad_input;
    }
  }

  WarningPrinter warn;
  usecase::CheckResult r = usecase::check(rq, {std::ref(warn), [] { return g_interrupted != 0; }});
  warn.finish(a.capture);
  if (!a.live.empty()) {
    if (::isatty(2)) std::fputc('\n', stderr);
    if (r.live) print_usage_line();
  }
  if (r.verdict || r.each) {
    report::VerdictOptions vo;
    vo.title = a.capture;
    vo.consequences = a.all;
    print(r.each ? report::render_each(*r.scenario, *r.each, a.capture)
                 : report::render_verdict(*r.scenario, *r.verdict, vo));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (int rc = write_reports(a, r, seconds); rc != ok) return rc;
  }
  if (!r.error.empty()) std::fprintf(stderr, "ladder check: %s\n", r.error.c_str());
  return exit_code(r.outcome);
}

}  // namespace

Runner add_check(CLI::App& app) {
  auto a = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand("check", "Check a capture against a ladder scenario");
  cmd->add_option("capture", a->capture,
                  "pcap or pcapng file; - reads standard input (or --live INTERFACE)");
  cmd->add_option("-s,--scenario", a->scenario, "The ladder (YAML)")->required();
  cmd->add_option("--testbed", a->testbed, "Testbed file: role addresses and attributes");
  cmd->add_option("--role", a->roles, "ROLE=ADDRESS[:PORT], e.g. A=10.0.0.5:5060 (repeatable)");
  cmd->add_option("--set", a->sets, "ROLE.attr=VALUE (e.g. B.user=bob) or NAME=VALUE");
  cmd->add_option("--call-id", a->call_id, "Only the messages of this Call-ID");
  cmd->add_option("--json", a->json, "Write the verdict as JSON to this file (- for stdout)");
  cmd->add_option("--junit", a->junit, "Write JUnit XML to this file");
  cmd->add_option("--html", a->html,
                  "Write the HTML report (expected against observed ladder) to this file");
  cmd->add_flag("--all,-v", a->all,
                "List the failures that follow from a root failure under it (by default only "
                "their count)");
  cmd->add_flag("--rules-warn", a->rules_warn, "RFC 3261 rule findings warn instead of fail");
  cmd->add_flag("--each", a->each,
                "Check every call (Call-ID) of the capture against the ladder; counts plus the "
                "first failures in full. A ladder with several dialogs: a call of `ladder run "
                "--calls` is all the Call-IDs with its run and call number");
  cmd->add_option("--jobs", a->jobs,
                  "--each: threads, each reading the capture and checking its share of the "
                  "calls (default: one per core; 1 for standard input); the result is the same "
                  "for any number")
      ->check(CLI::Range(1u, 256u));
  cmd->add_option("--live", a->live,
                  "Check every call live on this interface (e.g. lo) while another tool makes "
                  "the load, until --duration or Ctrl-C; --role gives the ports to capture");
  cmd->add_option("--duration", a->duration, "--live: stop after this long (e.g. 60s)");
  cmd->add_option("--pcap", a->pcap, "--live: also save the capture to this file");
  cmd->add_option("--idle", a->idle,
                  "--each, --live: check a call still incomplete this long after its last "
                  "message (default 32s); bounds what calls that never complete cost in memory");
  cmd->add_option("--buffer-mib", a->buffer_mib, "--live: kernel capture buffer (default 64)")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1024}));
  return [a] { return run_check(*a); };
}

}  // namespace ladder::cli
