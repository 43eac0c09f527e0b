// Private: the Action URL listener of the `action-uri` driver: a small HTTP/1.1 server on the
// engine's one loop that a phone calls on its events (Yealink "Action URL": a GET per event,
// such as /event/incoming?call_id=3&remote=sip:bob@example.test). A listening socket and each
// connection go through Loop::watch; each connection has a size cap and a deadline, and is
// closed after one answer. Only GET is served: an event is the request line, nothing else.
//
// Written here rather than with libmicrohttpd: its external-select mode hands out an fd_set and
// a timeout to be re-read after every call, while the Loop watches one descriptor per
// registration; keeping both in step would take more code than this listener, which needs only
// a request line.
//
// Threading: the engine's thread. Destroy it before the loop.
#pragma once

#include <cstddef>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/core.h"
#include "engine/loop.h"

namespace ladder::engine {

/// One GET's target, split and decoded: "/event/incoming?call_id=3" -> path "/event/incoming",
/// query {call_id: "3"}.
struct HttpTarget {
  std::string path;
  std::map<std::string, std::string> query;
};

/// The request line of a GET ("GET /event/x?a=1 HTTP/1.1"), or why it is not one.
std::expected<HttpTarget, std::string> parse_request_line(std::string_view line);
/// %XX and '+' decoded; a bad escape is kept as written.
std::string url_decode(std::string_view s);
/// Everything but unreserved characters (RFC 3986) as %XX.
std::string url_encode(std::string_view s);

class ActionUrlListener {
 public:
  static constexpr std::size_t kMaxRequest = 8 * 1024;  ///< request line and headers
  static constexpr std::size_t kMaxConnections = 32;
  using OnHit = std::function<void(const HttpTarget&)>;
  using OnError = std::function<void(const std::string&)>;

  /// Listens on `bind` (port 0: one the kernel picks). `on_hit` gets each event; `on_error`
  /// what went wrong with a request (bad request line, too big, too slow), one phrase.
  static std::expected<std::unique_ptr<ActionUrlListener>, std::string> create(
      Loop& loop, const core::Endpoint& bind, OnHit on_hit, OnError on_error,
      std::chrono::milliseconds request_timeout = std::chrono::milliseconds(2000));
  ~ActionUrlListener();
  ActionUrlListener(const ActionUrlListener&) = delete;
  ActionUrlListener& operator=(const ActionUrlListener&) = delete;

  const core::Endpoint& bound() const { return bound_; }

 private:
  struct Connection {
    int fd = -1;
    std::string in;
    Registration readable, deadline;
    ~Connection();
  };
  ActionUrlListener(Loop& loop, OnHit on_hit, OnError on_error, std::chrono::milliseconds t)
      : loop_(loop), on_hit_(std::move(on_hit)), on_error_(std::move(on_error)), timeout_(t) {}
  void on_accept();
  void on_readable(int id);
  void answer(int id, std::string_view status);

  Loop& loop_;
  OnHit on_hit_;
  OnError on_error_;
  std::chrono::milliseconds timeout_;
  int fd_ = -1;
  core::Endpoint bound_;
  Registration accepting_;
  int next_id_ = 1;
  std::map<int, std::unique_ptr<Connection>> connections_;
};

}  // namespace ladder::engine
