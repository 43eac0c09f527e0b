#include "engine/action_url.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/socket_address.h"

namespace ladder::engine {
namespace {

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string url_encode(std::string_view s) {
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += digits[u >> 4];
      out += digits[u & 15];
    }
  }
  return out;
}

std::expected<HttpTarget, std::string> parse_request_line(std::string_view line) {
  std::size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return std::unexpected("not an HTTP request line");
  std::string_view method = line.substr(0, sp1);
  std::size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return std::unexpected("not an HTTP request line");
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!version.starts_with("HTTP/1.")) return std::unexpected("not HTTP/1.x");
  if (method != "GET") return std::unexpected("method " + std::string(method) + ", not GET");
  if (target.empty() || target.front() != '/') return std::unexpected("target is not a path");
  HttpTarget t;
  std::size_t q = target.find('?');
  t.path = url_decode(target.substr(0, q));
  if (q == std::string_view::npos) return t;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (!pair.empty()) {
      t.query[url_decode(pair.substr(0, eq))] =
          eq == std::string_view::npos ? std::string() : url_decode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return t;
}

ActionUrlListener::Connection::~Connection() {
  readable.reset();
  deadline.reset();
  if (fd >= 0) ::close(fd);
}

std::expected<std::unique_ptr<ActionUrlListener>, std::string> ActionUrlListener::create(
    Loop& loop, const core::Endpoint& bind, OnHit on_hit, OnError on_error,
    std::chrono::milliseconds request_timeout) {
  std::unique_ptr<ActionUrlListener> l(
      new ActionUrlListener(loop, std::move(on_hit), std::move(on_error), request_timeout));
  sockaddr_storage ss{};
  socklen_t len = to_sockaddr(bind, ss);
  std::string where = "the Action URL listener on " + bind.to_string();
  l->fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l->fd_ < 0) return std::unexpected(where + ": socket: " + std::strerror(errno));
  int one = 1;
  ::setsockopt(l->fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(l->fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    return std::unexpected(where + ": " + std::strerror(errno));
  }
  if (::listen(l->fd_, 16) != 0) return std::unexpected(where + ": " + std::strerror(errno));
  socklen_t got = sizeof ss;
  ::getsockname(l->fd_, reinterpret_cast<sockaddr*>(&ss), &got);
  l->bound_ = from_sockaddr(ss);
  auto* self = l.get();
  auto w = loop.watch(l->fd_, Readiness::readable, [self] { self->on_accept(); });
  if (!w) return std::unexpected(where + ": " + w.error());
  l->accepting_ = std::move(*w);
  return l;
}

ActionUrlListener::~ActionUrlListener() {
  accepting_.reset();
  connections_.clear();
  if (fd_ >= 0) ::close(fd_);
}

void ActionUrlListener::on_accept() {
  // Bounded: at most a backlog's worth per turn.
  for (int n = 0; n < 16; ++n) {
    int c = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return;  // EAGAIN: none left; anything else: the next turn tries again
    if (connections_.size() >= kMaxConnections) {
      ::close(c);
      if (on_error_) on_error_("too many open connections; one refused");
      continue;
    }
    int id = next_id_++;
    auto conn = std::make_unique<Connection>();
    conn->fd = c;
    auto r = loop_.watch(c, Readiness::readable, [this, id] { on_readable(id); });
    auto t = loop_.after(timeout_, [this, id] {
      if (on_error_) {
        on_error_("a request took longer than " + std::to_string(timeout_.count()) + " ms");
      }
      connections_.erase(id);
    });
    if (!r || !t) continue;  // conn closes the socket
    conn->readable = std::move(*r);
    conn->deadline = std::move(*t);
    connections_[id] = std::move(conn);
  }
}

void ActionUrlListener::on_readable(int id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  char buf[2048];
  ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n <= 0) {
    connections_.erase(it);  // closed before a whole request: nothing to answer
    return;
  }
  c.in.append(buf, static_cast<std::size_t>(n));
  std::size_t end = c.in.find("\r\n\r\n");
  if (end == std::string::npos) end = c.in.find("\n\n");
  if ((end == std::string::npos && c.in.size() > kMaxRequest) ||
      (end != std::string::npos && end > kMaxRequest)) {
    if (on_error_) on_error_("a request longer than 8 KiB");
    answer(id, "431 Request Header Fields Too Large");
    return;
  }
  if (end == std::string::npos) return;
  std::string_view head(c.in);
  std::string_view line = head.substr(0, head.find('\n'));
  if (line.ends_with('\r')) line.remove_suffix(1);
  auto target = parse_request_line(line);
  if (!target) {
    if (on_error_) on_error_(target.error());
    answer(id, target.error().starts_with("method") ? "405 Method Not Allowed" : "400 Bad Request");
    return;
  }
  answer(id, "200 OK");
  if (on_hit_) on_hit_(*target);
}

void ActionUrlListener::answer(int id, std::string_view status) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  std::string out =
      "HTTP/1.1 " + std::string(status) + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
  // Small enough for any socket buffer; a client that does not read loses only the answer.
  (void)::send(it->second->fd, out.data(), out.size(), MSG_NOSIGNAL);
  connections_.erase(it);
}

}  // namespace ladder::engine
