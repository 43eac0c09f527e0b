// `ladder init CAPTURE [--call-id ID] [--role A=ADDR]... > flow.yaml`: a ladder drafted from a
// recorded call, on standard output; what was left out or waived on standard error.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "usecase/usecase.h"

namespace ladder::cli {
namespace {

struct InitArgs {
  std::string capture;
  std::string call_id;
  std::vector<std::string> roles;
};

int run_init(const InitArgs& a) {
  usecase::InitRequest rq;
  rq.capture = a.capture;
  rq.call_id = a.call_id;
  std::string error;
  auto given = scenario::RoleMap::parse(a.roles, &error);
  if (!given) {
    std::fprintf(stderr, "ladder init: --role: %s\n", error.c_str());
    return bad_input;
  }
  rq.roles = std::move(*given);
  WarningPrinter warn;
  usecase::InitResult r = usecase::init(rq, {std::ref(warn), {}});
  warn.finish(a.capture);
  if (!r.yaml.empty()) print(r.yaml);
  for (const std::string& n : r.notes) std::fprintf(stderr, "ladder init: %s\n", n.c_str());
  if (!r.error.empty()) std::fprintf(stderr, "ladder init: %s\n", r.error.c_str());
  return exit_code(r.outcome);
}

}  // namespace

Runner add_init(CLI::App& app) {
  auto a = std::make_shared<InitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "init", "Draft a ladder from a recorded call (to standard output): ladder init CAPTURE > flow.yaml");
  cmd->add_option("capture", a->capture, "pcap or pcapng file; - reads standard input")->required();
  cmd->add_option("--call-id", a->call_id, "Only the messages of this Call-ID");
  cmd->add_option("--role", a->roles,
                  "ROLE=ADDRESS[:PORT]: name this endpoint (repeatable); others are named A, B, "
                  "C ... and P for a proxy");
  return [a] { return run_init(*a); };
}

}  // namespace ladder::cli
