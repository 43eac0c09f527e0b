// Private: HTTP GETs without blocking, on the engine's one loop: libcurl's multi interface
// behind one RAII adapter. libcurl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION)
// and when to call it back (CURLMOPT_TIMERFUNCTION); both are mapped onto Loop::watch and
// Loop::after, and curl_multi_socket_action is driven from those callbacks. No thread of ours,
// no blocking call. Every request carries its own deadline (CURLOPT_TIMEOUT_MS).
//
// Credentials go to libcurl through CURLOPT_USERNAME/PASSWORD, never in the URL: nothing this
// adapter returns (errors, URLs) carries them.
//
// Threading: the engine's thread. Destroy it before the loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "engine/loop.h"

namespace ladder::engine {

enum class HttpAuth : std::uint8_t { none, basic, digest, any };

struct HttpRequest {
  std::string url;  ///< "http://192.0.2.50/servlet?key=OK": no credentials in it
  HttpAuth auth = HttpAuth::none;
  std::string user;
  std::string password;
  std::chrono::milliseconds timeout{3000};
};

struct HttpResponse {
  long status = 0;         ///< 0: no HTTP answer (see error)
  std::string error;       ///< "" on an HTTP answer; else libcurl's reason ("Connection refused")
  bool refused = false;    ///< the connection was refused
  bool timed_out = false;  ///< no answer within the request's timeout
  std::string body;        ///< capped at 64 KiB
};

class HttpClient {
 public:
  using Done = std::function<void(const HttpResponse&)>;
  /// The error is one sentence ("cannot initialise libcurl").
  static std::expected<std::unique_ptr<HttpClient>, std::string> create(Loop& loop);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Starts a GET; `done` is called from the loop once it ends (answer, error, timeout), never
  /// from inside get(). Returns false (and never calls `done`) if libcurl refuses to start it.
  bool get(const HttpRequest& request, Done done);
  /// Requests started and not finished yet.
  std::size_t pending() const { return transfers_.size(); }

 private:
  struct Transfer;
  /// libcurl's socket as the loop watches it. The writable watch is on a dup() of the socket:
  /// Sofia's epoll port takes one registration per descriptor, and libcurl may want both.
  struct Watches {
    Registration readable, writable;
    int dup_fd = -1;
    Watches() = default;
    Watches(const Watches&) = delete;
    Watches& operator=(const Watches&) = delete;
    ~Watches();
  };
  explicit HttpClient(Loop& loop);
  static int on_socket(void* easy, int fd, int what, void* self, void* socket_data);
  static int on_timer(void* multi, long timeout_ms, void* self);
  void act(int fd, int events);
  void finish_done();

  Loop& loop_;
  void* multi_ = nullptr;  ///< CURLM*: no curl type in this header
  std::map<int, Watches> watches_;
  Registration timer_;
  std::map<void*, std::unique_ptr<Transfer>> transfers_;  ///< by CURL*
  bool acting_ = false;  ///< inside curl_multi_socket_action: do not re-enter
};

}  // namespace ladder::engine
