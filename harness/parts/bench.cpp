// Bench: starts a testbed's parts in order, waits for each to be ready, stops them at the end.
#include <algorithm>
#include <filesystem>
#include <thread>

#include "parts/components.h"

namespace ladder::parts {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using scenario::ReadyProbe;
using scenario::StartKind;

std::string quoted(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    bool plain = !a.empty() && a.find_first_of(" \t'\"!$\\;&|<>()*?") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

// Proxies first: a phone registers to them, and their ports go into its account.
int order_of(StartKind k) {
  switch (k) {
    case StartKind::kamailio:
      return 0;
    case StartKind::command:
      return 1;
    case StartKind::sipp:
      return 2;
    case StartKind::baresip:
      return 3;
  }
  return 4;
}

std::string probe_phrase(const Part& p, ReadyProbe probe, const std::string& ready_log) {
  switch (probe) {
    case ReadyProbe::sip_options:
      return "no answer to OPTIONS on " + p.address.to_string();
    case ReadyProbe::control:
      return "ctrl_tcp on " + (p.control ? p.control->to_string() : std::string("?")) +
             " not accepting, or its account not registered";
    case ReadyProbe::udp:
      return "nothing bound UDP " + p.address.to_string();
    case ReadyProbe::tcp:
      return "no TCP listener on " + p.address.to_string();
    case ReadyProbe::log_line:
      return "its log never showed '" + ready_log + "'";
    case ReadyProbe::none:
      return "";
  }
  return "";
}

bool probe_once(const Part& p, ReadyProbe probe, const std::string& ready_log, bool registers) {
  using std::chrono::milliseconds;
  switch (probe) {
    case ReadyProbe::sip_options:
      return options_answered(p.address, milliseconds(200));
    case ReadyProbe::control:
      return p.control && detail::baresip_ready(*p.control, registers, milliseconds(300));
    case ReadyProbe::udp:
      return udp_taken(p.address);
    case ReadyProbe::tcp:
      return tcp_accepts(p.address, milliseconds(200));
    case ReadyProbe::log_line:
      return log_tail(p.log, 1000).find(ready_log) != std::string::npos;
    case ReadyProbe::none:
      return true;
  }
  return false;
}

std::string failure(const Part& p, const std::string& what) {
  return "role " + p.role + " (" + std::string(scenario::to_string(p.kind)) + "): " + what +
         "\n  command: " + p.command + "\n  log: " + p.log + "\n  last lines of the log:\n" +
         [&] {
           std::string tail = log_tail(p.log, 12);
           if (tail.empty()) return std::string("    (empty)\n");
           std::string out;
           std::size_t at = 0;
           while (at < tail.size()) {
             std::size_t nl = tail.find('\n', at);
             out += "    " + tail.substr(at, nl - at) + "\n";
             at = nl + 1;
           }
           return out;
         }();
}

// Starts one part and waits until it is ready. Unexpected: the message for the user.
std::expected<std::unique_ptr<Part>, std::string> start_one(const scenario::TestbedRole& role,
                                                            const detail::Context& ctx,
                                                            const StartOptions& options) {
  const scenario::Start& st = *role.start;
  auto part = std::make_unique<Part>();
  part->role = role.id;
  part->kind = st.kind;
  part->log = (fs::path(options.dir) /
               (role.id + "-" + std::string(scenario::to_string(st.kind)) + ".log"))
                  .string();
  auto launch = detail::prepare(role, ctx);
  if (!launch) {
    return std::unexpected("role " + role.id + " (" + std::string(scenario::to_string(st.kind)) +
                           "): cannot start: " + launch.error());
  }
  part->command = quoted(launch->argv);
  part->address = launch->address;
  part->control = launch->control;
  part->scratch = launch->scratch;
  std::error_code rm;
  fs::remove(part->log, rm);  // a fresh log per start, also when --out is reused
  auto proc = Process::spawn(launch->argv, part->log);
  if (!proc) return std::unexpected(failure(*part, "cannot start: " + proc.error()));
  part->process = std::move(*proc);

  auto deadline = Clock::now() + st.within;
  while (true) {
    if (!part->process.running()) {
      return std::unexpected(
          failure(*part, "exited during start (" + part->process.exit_status() + ")"));
    }
    if (options.stop_requested && options.stop_requested()) {
      return std::unexpected(failure(*part, "interrupted (Ctrl-C) while starting"));
    }
    if (probe_once(*part, st.ready, st.ready_log, launch->registers)) return part;
    if (Clock::now() >= deadline) {
      return std::unexpected(failure(*part, "not ready within " +
                                                scenario::format_duration(st.within) + ": " +
                                                probe_phrase(*part, st.ready, st.ready_log)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // probe interval
  }
}

}  // namespace

Part::~Part() {
  process.stop();
  if (!scratch.empty()) {
    std::error_code ec;
    fs::remove_all(scratch, ec);
  }
}

bool starts_anything(const scenario::Testbed& testbed) {
  return std::any_of(testbed.roles.begin(), testbed.roles.end(),
                     [](const scenario::TestbedRole& r) { return r.start.has_value(); });
}

std::expected<Bench, std::string> Bench::start(const scenario::Testbed& testbed,
                                               const StartOptions& options) {
  Bench bench;
  bench.grace_ = options.stop_grace;
  std::vector<const scenario::TestbedRole*> todo;
  for (const auto& r : testbed.roles) {
    if (r.start) todo.push_back(&r);
  }
  std::stable_sort(todo.begin(), todo.end(), [](const auto* a, const auto* b) {
    return order_of(a->start->kind) < order_of(b->start->kind);
  });
  if (todo.empty()) return bench;
  std::error_code ec;
  fs::create_directories(options.dir, ec);
  if (ec) return std::unexpected("cannot create " + options.dir + ": " + ec.message());

  scenario::Testbed so_far = testbed;  // addresses filled in as parts start
  detail::Context ctx;
  ctx.testbed_dir = fs::path(testbed.source).parent_path();
  ctx.dir = options.dir;
  ctx.testbed = &so_far;
  for (const scenario::TestbedRole* role : todo) {
    // Ports are chosen free, then bound by the part a moment later: another program on this
    // machine may take one in between. When the part says so and the ports were ours to
    // choose, it starts again on fresh ones (a fixed port in the testbed is not retried).
    std::unique_ptr<Part> part;
    for (int attempt = 1;; ++attempt) {
      auto started = start_one(*role, ctx, options);
      if (started) {
        part = std::move(*started);
        break;
      }
      bool raced = role->address.port == 0 && attempt < 3 &&
                   started.error().find("Address already in use") != std::string::npos;
      if (!raced) return std::unexpected(started.error());
    }
    for (auto& r : so_far.roles) {
      if (r.id == role->id) r.address = part->address;
    }
    bench.parts_.push_back(std::move(part));
  }
  return bench;
}

scenario::Testbed Bench::apply(scenario::Testbed testbed) const {
  for (const auto& p : parts_) {
    for (auto& r : testbed.roles) {
      if (r.id != p->role) continue;
      r.address = p->address;
      if (p->control && r.driver && !r.driver->options.count("control")) {
        r.driver->options["control"] = p->control->to_string();
      }
    }
  }
  return testbed;
}

void Bench::stop() {
  // One after the other, the last started first: a phone un-registers while its proxy still
  // answers (stopped side by side, baresip waited for a proxy that was gone until SIGKILL).
  while (!parts_.empty()) {
    parts_.back()->process.stop(grace_);
    parts_.pop_back();
  }
}

Bench::~Bench() { stop(); }

}  // namespace ladder::parts
