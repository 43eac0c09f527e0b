#include "engine/testing/baresip_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "engine/testing/kamailio_process.h"

namespace ladder::testing {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::string tail(const std::string& s, std::size_t n = 1500) {
  return s.size() <= n ? s : s.substr(s.size() - n);
}

/// Whether TCP `port` on 127.0.0.1 can be bound now (baresip's SIP/TLS takes the SIP port + 1).
bool tcp_free(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

/// One probe: connect to ctrl_tcp, ask `reginfo`, read the answer. "" when ctrl_tcp did not
/// accept; else baresip's answer (possibly partial), for "OK " (REGISTER answered 200).
std::string probe(const core::Endpoint& ctrl, bool& accepted) {
  accepted = false;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return {};
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(ctrl.port);
  std::memcpy(&a.sin_addr, ctrl.address.bytes.data(), 4);
  std::string got;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    accepted = true;
    const std::string cmd = R"({"command":"reginfo","token":"probe"})";
    std::string frame = std::to_string(cmd.size()) + ":" + cmd + ",";
    if (::send(fd, frame.data(), frame.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(frame.size())) {
      auto end = Clock::now() + std::chrono::milliseconds(500);
      while (Clock::now() < end && got.find("\"probe\"") == std::string::npos) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        char buf[2048];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        got.append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  ::close(fd);
  return got;
}

}  // namespace

std::string fill_template(std::string text,
                          const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [name, value] : values) {
    std::string key = "@" + name + "@";
    for (std::size_t at = text.find(key); at != std::string::npos; at = text.find(key, at)) {
      text.replace(at, key.size(), value);
      at += value.size();
    }
  }
  return text;
}

std::expected<BaresipProcess, std::string> BaresipProcess::start(const BaresipOptions& o) {
  // A port found free can be taken by another test before baresip binds it (its SIP/TLS port
  // especially, which is not asked for): that is the port's race, not the phone's; pick again.
  std::expected<BaresipProcess, std::string> b = std::unexpected(std::string());
  for (int attempt = 0; attempt < 3; ++attempt) {
    b = start_once(o);
    if (b || b.error().find("Address already in use") == std::string::npos) break;
  }
  return b;
}

std::expected<BaresipProcess, std::string> BaresipProcess::start_once(const BaresipOptions& o) {
  const fs::path src = fs::path(LADDER_SOURCE_DIR) / "testbeds/baresip";
  const core::Address lo = *core::Address::parse("127.0.0.1");
  // Four different ports (the kernel may hand the same free one out twice in a row).
  std::vector<std::uint16_t> ports;
  for (int tries = 0; ports.size() < 4 && tries < 40; ++tries) {
    auto p = free_port(lo);
    if (!p) continue;
    // The first is the SIP port: baresip 1.0 always opens SIP/TLS on the next one too.
    bool clash = std::find(ports.begin(), ports.end(), *p) != ports.end() ||
                 (!ports.empty() && *p == ports[0] + 1);
    bool tls_free = !ports.empty() || tcp_free(static_cast<std::uint16_t>(*p + 1));
    if (*p < 65000 && !clash && tls_free) {
      ports.push_back(*p);
    }
  }
  if (ports.size() < 4) return std::unexpected("no free ports on 127.0.0.1");
  const std::uint16_t* sip = &ports[0];
  const std::uint16_t* ctrl = &ports[1];
  const std::uint16_t* dns = &ports[2];
  const std::uint16_t* rtp = &ports[3];
  std::string tmpl = (fs::temp_directory_path() / "ladder-baresip-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return std::unexpected(std::string("mkdtemp: ") + std::strerror(errno));
  }
  BaresipProcess b;
  b.dir_ = tmpl;
  b.sip_ = {lo, *sip};
  b.control_ = {lo, *ctrl};
  // RTP: a small range from a port that was free; baresip tries others in it if one is taken.
  std::uint16_t rtp_min = *rtp;
  const std::vector<std::pair<std::string, std::string>> values = {
      {"SIP_ADDR", "127.0.0.1"},
      {"SIP_PORT", std::to_string(*sip)},
      {"CTRL_ADDR", "127.0.0.1"},
      {"CTRL_PORT", std::to_string(*ctrl)},
      {"DNS_PORT", std::to_string(*dns)},
      {"RTP_MIN", std::to_string(rtp_min)},
      {"RTP_MAX", std::to_string(rtp_min + 20)},
      {"USER", o.user},
      {"DOMAIN", o.domain},
      {"PROXY", o.proxy.to_string()},
  };
  for (const char* name : {"config", "accounts"}) {
    std::string text = read_all(src / (std::string(name) + ".in"));
    if (text.empty()) return std::unexpected("cannot read " + (src / name).string() + ".in");
    if (std::string_view(name) == "accounts" && (o.answermode != "manual" || !o.password.empty())) {
      const std::string manual = "answermode=manual";
      if (auto at = text.find(manual); at != std::string::npos) {
        text.replace(at, manual.size(),
                     "answermode=" + o.answermode +
                         (o.password.empty() ? std::string() : ";auth_pass=" + o.password));
      }
    }
    std::ofstream(fs::path(b.dir_) / name) << fill_template(text, values);
  }

  auto process = parts::Process::spawn({"baresip", "-f", b.dir_},
                                       (fs::path(b.dir_) / "baresip.log").string());
  if (!process) return std::unexpected(process.error() + " (apt-get install baresip)");
  b.process_ = std::move(*process);

  auto end = Clock::now() + o.ready_timeout;
  bool accepted = false;
  while (Clock::now() < end) {
    if (!b.process_.running()) {
      return std::unexpected("baresip exited during start: " + tail(b.log()));
    }
    std::string answer = probe(b.control_, accepted);
    if (answer.find("OK ") != std::string::npos) return b;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // next probe, within `end`
  }
  std::string why = accepted
                        ? "baresip did not register at " + o.proxy.to_string()
                        : "baresip's ctrl_tcp on " + b.control_.to_string() + " did not accept";
  return std::unexpected(why + " within " + std::to_string(o.ready_timeout.count()) +
                         " ms: " + tail(b.log()));
}

BaresipProcess::BaresipProcess(BaresipProcess&& other) noexcept
    : process_(std::move(other.process_)),
      sip_(other.sip_),
      control_(other.control_),
      dir_(std::exchange(other.dir_, {})) {}

BaresipProcess& BaresipProcess::operator=(BaresipProcess&& other) noexcept {
  if (this != &other) {
    stop();
    process_ = std::move(other.process_);
    sip_ = other.sip_;
    control_ = other.control_;
    dir_ = std::exchange(other.dir_, {});
  }
  return *this;
}

BaresipProcess::~BaresipProcess() { stop(); }

std::string BaresipProcess::log() const {
  return dir_.empty() ? std::string() : read_all(fs::path(dir_) / "baresip.log");
}

void BaresipProcess::stop() {
  if (process_.pid() > 0) process_.stop(std::chrono::seconds(3));
  if (!dir_.empty() && !std::getenv("LADDER_KEEP_BARESIP")) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  dir_.clear();
}

}  // namespace ladder::testing
