// `ladder show CAPTURE`: a text ladder (or JSON lines, or a per-call summary) of every SIP
// message in a capture, in capture order.
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "capture/capture.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "report/report.h"
#include "trace/trace.h"

namespace ladder::cli {
namespace {

struct ShowOptions {
  std::string capture;
  std::string call_id;
  bool json = false;
  bool summary = false;
  std::size_t max_warnings = 20;
};

int run_show(const ShowOptions& o) {
  std::vector<trace::Record> records;
  trace::TraceOptions topts;
  topts.call_id = o.call_id;
  topts.full_parse = !o.summary;
  core::TimeNs origin = 0;
  bool have_origin = false;

  trace::Tracer::RecordSink sink;
  if (!o.summary) {
    sink = [&](const trace::Record& r) {
      if (o.json) {
        std::string line = report::record_json(r, origin) + "\n";
        std::fwrite(line.data(), 1, line.size(), stdout);
      } else {
        records.push_back(r);
      }
    };
  }
  trace::Tracer tracer(topts, sink);

  WarningPrinter warn(o.max_warnings);
  auto on_payload = [&](const sip::WireBytes& p) {
    if (!have_origin) {
      origin = p.time;
      have_origin = true;
    }
    tracer.add(p);
  };
  auto result = capture::read_capture(o.capture, on_payload, std::ref(warn));
  if (!result) {
    std::fprintf(stderr, "ladder show: %s\n", result.error().c_str());
    return bad_input;
  }
  warn.finish("ladder show");

  std::string out;
  if (o.summary) {
    for (const trace::CallSummary& c : tracer.calls()) {
      out += o.json ? report::call_json(c, origin) + "\n" : "";
    }
    if (!o.json) out = report::render_calls(tracer.calls(), origin);
  } else if (!o.json) {
    report::LadderOptions lopts;
    lopts.origin = origin;
    out = report::render_ladder(records, lopts);
  }
  if (!o.json) out += report::render_stats(result->stats);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);

  if (!result->complete) {
    std::fprintf(stderr, "ladder show: %s\n", result->error.c_str());
    return bad_input;
  }
  if (!o.call_id.empty() && tracer.messages() == 0) {
    std::fprintf(stderr, "ladder show: no SIP message with Call-ID '%s' in %s\n",
                 o.call_id.c_str(), o.capture.c_str());
    return failed;
  }
  return ok;
}

}  // namespace

Runner add_show(CLI::App& app) {
  auto o = std::make_shared<ShowOptions>();
  CLI::App* cmd = app.add_subcommand("show", "Print a ladder of every SIP message in a capture");
  cmd->add_option("capture", o->capture, "pcap or pcapng file; - reads standard input")
      ->required();
  cmd->add_option("--call-id", o->call_id, "Only the messages of this Call-ID");
  cmd->add_flag("--json", o->json, "One JSON object per message (per call with --summary)");
  cmd->add_flag("--summary", o->summary, "One line per call: times, counts, final status");
  return [o] { return run_show(*o); };
}

}  // namespace ladder::cli
