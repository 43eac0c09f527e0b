// Readiness probes and free ports: plain sockets with deadlines.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>

#include "parts/parts.h"

namespace ladder::parts {
namespace {

using Clock = std::chrono::steady_clock;

struct Sock {
  int fd = -1;
  Sock(const Sock&) = delete;
  Sock& operator=(const Sock&) = delete;
  explicit Sock(int f) : fd(f) {}
  ~Sock() {
    if (fd >= 0) ::close(fd);
  }
};

socklen_t fill(const core::Endpoint& e, sockaddr_storage& ss) {
  std::memset(&ss, 0, sizeof ss);
  if (e.address.family == 6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&ss);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(e.port);
    std::memcpy(&sa->sin6_addr, e.address.bytes.data(), 16);
    return sizeof(sockaddr_in6);
  }
  auto* sa = reinterpret_cast<sockaddr_in*>(&ss);
  sa->sin_family = AF_INET;
  sa->sin_port = htons(e.port);
  std::memcpy(&sa->sin_addr, e.address.bytes.data(), 4);
  return sizeof(sockaddr_in);
}

int family_of(const core::Address& a) { return a.family == 6 ? AF_INET6 : AF_INET; }

std::uint16_t bound_port(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  if (ss.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
}

}  // namespace

std::expected<std::uint16_t, std::string> free_port(const core::Address& address) {
  for (int attempt = 0; attempt < 20; ++attempt) {
    Sock udp{::socket(family_of(address), SOCK_DGRAM, 0)};
    if (udp.fd < 0) return std::unexpected(std::string("socket: ") + std::strerror(errno));
    sockaddr_storage ss;
    socklen_t len = fill(core::Endpoint{address, 0}, ss);
    if (::bind(udp.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
      return std::unexpected("bind " + address.to_string() + ": " + std::strerror(errno));
    }
    std::uint16_t port = bound_port(udp.fd);
    Sock tcp{::socket(family_of(address), SOCK_STREAM, 0)};
    len = fill(core::Endpoint{address, port}, ss);
    if (::bind(tcp.fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) return port;
  }
  return std::unexpected("no port free for both UDP and TCP on " + address.to_string());
}

bool options_answered(const core::Endpoint& to, std::chrono::milliseconds timeout) {
  Sock s{::socket(family_of(to.address), SOCK_DGRAM, 0)};
  if (s.fd < 0) return false;
  sockaddr_storage local;
  socklen_t llen = fill(core::Endpoint{to.address, 0}, local);
  if (::bind(s.fd, reinterpret_cast<sockaddr*>(&local), llen) != 0) return false;
  std::uint16_t lport = bound_port(s.fd);
  std::string h = to.address.uri_host();
  std::string me = h + ":" + std::to_string(lport);
  std::mt19937 rng(static_cast<unsigned>(::getpid()) ^ lport);
  std::string id = std::to_string(rng());
  std::string target = h + ":" + std::to_string(to.port);
  std::string msg = "OPTIONS sip:" + target + " SIP/2.0\r\nVia: SIP/2.0/UDP " + me +
                    ";branch=z9hG4bK-ladder-probe-" + id + ";rport\r\nMax-Forwards: 70\r\n" +
                    "From: <sip:probe@" + me + ">;tag=" + id + "\r\nTo: <sip:" + target +
                    ">\r\nCall-ID: probe-" + id + "@" + h + "\r\nCSeq: 1 OPTIONS\r\n" +
                    "Content-Length: 0\r\n\r\n";
  sockaddr_storage dst;
  socklen_t dlen = fill(to, dst);
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    ::sendto(s.fd, msg.data(), msg.size(), 0, reinterpret_cast<sockaddr*>(&dst), dlen);
    pollfd p{s.fd, POLLIN, 0};
    if (::poll(&p, 1, 100) == 1) {
      char buf[4096];
      ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
      if (n > 8 && std::string_view(buf, 8) == "SIP/2.0 ") return true;
    }
  }
  return false;
}

bool tcp_accepts(const core::Endpoint& to, std::chrono::milliseconds timeout) {
  Sock s{::socket(family_of(to.address), SOCK_STREAM | SOCK_NONBLOCK, 0)};
  if (s.fd < 0) return false;
  sockaddr_storage dst;
  socklen_t dlen = fill(to, dst);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&dst), dlen) == 0) return true;
  if (errno != EINPROGRESS) return false;
  pollfd p{s.fd, POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  return err == 0;
}

bool udp_taken(const core::Endpoint& at) {
  Sock s{::socket(family_of(at.address), SOCK_DGRAM, 0)};
  if (s.fd < 0) return false;
  sockaddr_storage ss;
  socklen_t len = fill(at, ss);
  return ::bind(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno == EADDRINUSE;
}

std::string log_tail(const std::string& path, std::size_t lines) {
  std::ifstream in(path, std::ios::binary);
  std::deque<std::string> last;
  std::string line;
  while (std::getline(in, line)) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

}  // namespace ladder::parts
