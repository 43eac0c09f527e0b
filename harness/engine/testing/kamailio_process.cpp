#include "engine/testing/kamailio_process.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <utility>

namespace ladder::testing {
namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

// One implementation of ports and probes for the tests and `ladder run` (parts/).
std::expected<std::uint16_t, std::string> free_port(const core::Address& address) {
  return parts::free_port(address);
}

bool options_answered(const core::Endpoint& to, std::chrono::milliseconds timeout) {
  return parts::options_answered(to, timeout);
}

std::expected<KamailioProcess, std::string> KamailioProcess::start(const KamailioOptions& o) {
  const std::string cfg = std::string(LADDER_SOURCE_DIR) + "/testbeds/kamailio/kamailio.cfg";
  const std::string kamailio = "/usr/sbin/kamailio";
  if (::access(kamailio.c_str(), X_OK) != 0) {
    return std::unexpected("kamailio not found at " + kamailio + " (apt-get install kamailio)");
  }
  auto addr = core::Address::parse(o.listen_addr);
  if (!addr) return std::unexpected("bad listen address " + o.listen_addr);
  auto port = free_port(*addr);
  if (!port) return std::unexpected(port.error());

  std::string tmpl = (std::filesystem::temp_directory_path() / "ladder-kam-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return std::unexpected(std::string("mkdtemp: ") + std::strerror(errno));
  }
  KamailioProcess k;
  k.run_dir_ = tmpl;
  k.endpoint_ = core::Endpoint{*addr, *port};

  std::vector<std::string> args = {kamailio,
                                   "-f",
                                   cfg,
                                   "-L",
                                   "/usr/lib/x86_64-linux-gnu/kamailio/modules",
                                   "-Y",
                                   tmpl,
                                   "-P",
                                   tmpl + "/kamailio.pid",
                                   "-w",
                                   tmpl,
                                   "-DD",
                                   "-E",
                                   "-m",
                                   "64",
                                   "-M",
                                   "8"};
  auto subst = [&](const std::string& name, const std::string& value) {
    args.push_back("--substdef");
    args.push_back("!" + name + "!" + value + "!g");
  };
  subst("LISTEN_ADDR", addr->uri_host());
  subst("LISTEN_PORT", std::to_string(*port));
  subst("RUN_DIR", tmpl);
  subst("DOMAIN", o.domain);
  subst("CHILDREN", std::to_string(o.children));
  for (const auto& [name, value] : o.substdef) subst(name, value);
  for (const auto& d : o.defines) {
    args.push_back("-A");
    args.push_back(d);
  }
  auto process = parts::Process::spawn(args, tmpl + "/kamailio.log");
  if (!process) return std::unexpected(process.error());
  k.process_ = std::move(*process);
  auto deadline = Clock::now() + o.ready_timeout;
  while (Clock::now() < deadline) {
    if (!k.process_.running()) {
      return std::unexpected("kamailio exited during start (port " + k.endpoint_.to_string() +
                             " busy or config error); log:\n" + k.log());
    }
    if (options_answered(k.endpoint_, std::chrono::milliseconds(300))) return k;
  }
  std::string why = "kamailio did not answer OPTIONS on " + k.endpoint_.to_string() + " within " +
                    std::to_string(o.ready_timeout.count()) + "ms; log:\n" + k.log();
  return std::unexpected(why);
}

KamailioProcess::KamailioProcess(KamailioProcess&& other) noexcept
    : process_(std::move(other.process_)),
      endpoint_(other.endpoint_),
      run_dir_(std::exchange(other.run_dir_, std::string())) {}

KamailioProcess& KamailioProcess::operator=(KamailioProcess&& other) noexcept {
  if (this != &other) {
    stop();
    process_ = std::move(other.process_);
    endpoint_ = other.endpoint_;
    run_dir_ = std::exchange(other.run_dir_, std::string());
  }
  return *this;
}

KamailioProcess::~KamailioProcess() { stop(); }

std::string KamailioProcess::log() const {
  std::ifstream in(run_dir_ + "/kamailio.log", std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void KamailioProcess::stop() {
  if (process_.pid() > 0) process_.stop(std::chrono::seconds(5));
  if (!run_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(run_dir_, ec);
    run_dir_.clear();
  }
}

}  // namespace ladder::testing
