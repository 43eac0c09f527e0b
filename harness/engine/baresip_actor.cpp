#include "engine/baresip_actor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/socket_address.h"

namespace ladder::engine {
namespace {

/// Events that say nothing about the call flow (levels, statistics, SDP dumps).
bool noise(const std::string& type) {
  return type == "CALL_RTCP" || type == "VU_RX_REPORT" || type == "VU_TX_REPORT" ||
         type == "CALL_LOCAL_SDP" || type == "CALL_REMOTE_SDP";
}

std::string strip_brackets(std::string uri) {
  if (uri.size() >= 2 && uri.front() == '<') {
    std::size_t close = uri.find('>');
    if (close != std::string::npos) return uri.substr(1, close - 1);
  }
  return uri;
}

std::string one_line(std::string s) {
  for (char& c : s) {
    if (c == '\r' || c == '\n' || c == '\t') c = ' ';
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

}  // namespace

std::expected<std::unique_ptr<BaresipActor>, std::string> BaresipActor::create(
    BaresipOptions options, Loop& loop) {
  std::unique_ptr<BaresipActor> a(new BaresipActor(std::move(options), loop));
  if (auto r = a->start_connect(); !r) return std::unexpected(r.error());
  return a;
}

BaresipActor::~BaresipActor() { close_socket(); }

void BaresipActor::close_socket() {
  readable_.reset();
  writable_.reset();
  connect_timer_.reset();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  state_ = State::closed;
}

void BaresipActor::fail(std::string message, std::optional<std::size_t> step) {
  errors_.push_back({std::move(message), true, step});
}

std::expected<void, std::string> BaresipActor::start_connect() {
  sockaddr_storage ss{};
  socklen_t len = to_sockaddr(options_.control, ss);
  fd_ = ::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return std::unexpected(who_at() + ": socket: " + std::strerror(errno));
  int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&ss), len);
  if (rc == 0) {
    on_connected();
    return {};
  }
  if (errno != EINPROGRESS) {
    // Loopback refuses at once: the same error as a refusal seen later.
    int e = errno;
    close_socket();
    fail(who_at() + ": " + std::strerror(e) +
         (e == ECONNREFUSED ? "; is baresip running with ctrl_tcp on that address?" : ""));
    return {};
  }
  auto w = loop_.watch(fd_, Readiness::writable, [this] { on_writable(); });
  if (!w) return std::unexpected(who_at() + ": " + w.error());
  writable_ = std::move(*w);
  auto t = loop_.after(options_.connect_timeout, [this] {
    if (state_ != State::connecting) return;
    close_socket();
    fail(who_at() + ": no connection within " + std::to_string(options_.connect_timeout.count()) +
         " ms; is baresip running with ctrl_tcp on that address, and reachable?");
  });
  if (!t) return std::unexpected(who_at() + ": " + t.error());
  connect_timer_ = std::move(*t);
  return {};
}

void BaresipActor::on_writable() {
  if (state_ == State::connecting) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close_socket();
      fail(who_at() + ": " + std::strerror(err) +
           (err == ECONNREFUSED ? "; is baresip running with ctrl_tcp on that address?" : ""));
      return;
    }
    on_connected();
    return;
  }
  flush();
}

void BaresipActor::on_connected() {
  state_ = State::connected;
  connect_timer_.reset();
  writable_.reset();
  auto r = loop_.watch(fd_, Readiness::readable, [this] { on_readable(); });
  if (!r) {
    close_socket();
    fail(who_at() + ": " + r.error());
    return;
  }
  readable_ = std::move(*r);
  flush();
}

void BaresipActor::on_readable() {
  char buf[4096];
  while (fd_ >= 0) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n > 0) {
      reader_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    std::string why = n == 0 ? "baresip closed the connection" : std::strerror(errno);
    close_socket();
    if (!tearing_down_) fail(who_at() + ": " + why + "; did baresip exit?");
    break;
  }
  while (true) {
    auto m = reader_.next();
    if (!m) {
      close_socket();
      fail(who_at() + ": " + m.error());
      return;
    }
    if (!*m) return;
    handle(**m);
  }
}

void BaresipActor::handle(const ctrl_tcp::Message& m) {
  if (const auto* r = std::get_if<ctrl_tcp::Reply>(&m)) {
    auto it = pending_.find(r->token);
    if (it == pending_.end()) return;
    std::optional<std::size_t> step = it->second;
    pending_.erase(it);
    if (!r->ok && !tearing_down_) {
      std::string what = step && sent_.contains(*step) ? sent_[*step].what : who();
      fail(what + ": baresip refused it" +
               (r->data.empty() ? std::string() : ": " + one_line(r->data)),
           step);
    }
    return;
  }
  const auto& e = std::get<ctrl_tcp::Event>(m);
  if (!e.call_id.empty()) {
    if (e.type == "CALL_CLOSED") {
      calls_.erase(e.call_id);
    } else if (e.type.starts_with("CALL_") && e.type != "CALL_TRANSFER_FAILED") {
      calls_.insert(e.call_id);
    }
  }
  if (noise(e.type)) return;
  std::string detail = e.peer_uri;
  if (!e.direction.empty()) detail += (detail.empty() ? "" : " ") + ("(" + e.direction + ")");
  if (!e.param.empty() && e.param != e.peer_uri)
    detail += (detail.empty() ? "" : ": ") + one_line(e.param);
  events_.push_back({loop_.now(), options_.role, "baresip", e.type, detail, e.call_id});
}

void BaresipActor::send(const std::string& name, const std::string& params,
                        std::optional<std::size_t> step) {
  std::string token = "t" + std::to_string(next_token_++);
  out_ += ctrl_tcp::command(name, params, token);
  pending_[token] = step;
  if (step) {
    sent_[*step] = {who() + ": " + name + (params.empty() ? "" : " " + params), loop_.now()};
  }
  flush();
}

void BaresipActor::flush() {
  if (state_ != State::connected) return;
  while (!out_.empty()) {
    ssize_t n = ::send(fd_, out_.data(), out_.size(), MSG_NOSIGNAL);
    if (n > 0) {
      out_.erase(0, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!writable_) {
        auto w = loop_.watch(fd_, Readiness::writable, [this] { on_writable(); });
        if (w) writable_ = std::move(*w);
      }
      return;
    }
    int e = errno;
    close_socket();
    if (!tearing_down_) fail(who_at() + ": cannot send: " + std::strerror(e));
    return;
  }
  writable_.reset();
}

void BaresipActor::select_call(const std::string& call_id) {
  // baresip's commands act on its newest call; with several, say which.
  if (!call_id.empty() && calls_.size() > 1) send("callfind", call_id, std::nullopt);
}

Outcome BaresipActor::perform(const Action& a) {
  if (state_ == State::connecting) return Outcome::not_ready("connecting to baresip");
  if (state_ == State::closed) return Outcome::cannot("not connected to baresip");
  switch (a.kind) {
    case ActionKind::dial:
      // A transferee's call to the target: baresip's menu places it itself on the REFER.
      if (a.dial().by_refer) return Outcome::done();
      send("dial", a.dial().uri, a.step);
      return Outcome::done();
    case ActionKind::ring:
      return Outcome::done();  // the phone rings by itself (answermode manual)
    case ActionKind::answer:
      select_call(a.call_id);
      send("accept", "", a.step);
      return Outcome::done();
    case ActionKind::reject:
      if (a.respond().status != 486) {
        return Outcome::cannot(
            "baresip 1.0 rejects an incoming call only with 486 (its `hangup`), "
            "not with " +
            std::to_string(a.respond().status));
      }
      select_call(a.call_id);
      send("hangup", "", a.step);
      return Outcome::done();
    case ActionKind::hang_up:
    case ActionKind::cancel:
      select_call(a.call_id);
      send("hangup", "", a.step);
      return Outcome::done();
    case ActionKind::hold:
      select_call(a.call_id);
      send("hold", "", a.step);
      return Outcome::done();
    case ActionKind::resume:
      select_call(a.call_id);
      send("resume", "", a.step);
      return Outcome::done();
    case ActionKind::reinvite:
      select_call(a.call_id);
      send("reinvite", "", a.step);
      return Outcome::done();
    case ActionKind::transfer:
      select_call(a.call_id);
      send("transfer", strip_brackets(a.transfer().refer_to), a.step);
      return Outcome::done();
    case ActionKind::digits:
      return Outcome::cannot(
          "baresip 1.0 sends DTMF as RTP events (RFC 4733, `sndcode`), never as SIP INFO");
    case ActionKind::request:
      // The NOTIFYs about a REFER the phone got: its stack sends them by itself.
      if (a.request().method == "NOTIFY") return Outcome::done();
      return Outcome::cannot("baresip 1.0 has no command that sends a " + a.request().method);
  }
  return Outcome::cannot("unknown verb");
}

std::optional<Sent> BaresipActor::sent(std::size_t step) const {
  auto it = sent_.find(step);
  if (it == sent_.end()) return std::nullopt;
  return it->second;
}

void BaresipActor::begin_teardown() {
  tearing_down_ = true;
  teardown_deadline_ =
      loop_.now() + static_cast<core::TimeNs>(options_.teardown_timeout.count()) * 1'000'000;
  if (state_ != State::connected) return;
  // Leave the phone idle for whatever comes next: hang up what a failed run left open.
  for (const std::string& id : calls_) {
    send("callfind", id, std::nullopt);
    send("hangup", "", std::nullopt);
  }
}

bool BaresipActor::teardown_step() {
  if (state_ == State::connected && !calls_.empty() && loop_.now() < teardown_deadline_) {
    return false;
  }
  close_socket();
  return true;
}

}  // namespace ladder::engine
