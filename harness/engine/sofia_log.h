// Private: Sofia-SIP's own log lines ("tport_udp_error: Connection refused ...") sent to a file
// in the run directory instead of the terminal (issue 12), and the last transport error they
// report, which tells a DUT that is not there from one that answered 503.
//
// Sofia's logs are process-wide; one SofiaLog redirects them for its lifetime and restores the
// default when destroyed. Threading: made and destroyed on one thread; line() may be called from
// several engines' loops at once (load mode), under a mutex. transport_error() only after they
// stopped.
#pragma once

#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "core/core.h"

namespace ladder::engine {

/// What Sofia's transaction layer said when it could not send a request.
struct TransportError {
  std::string reason;       ///< strerror text, lower case: "connection refused"
  core::Endpoint to;        ///< where it tried to send
  std::string transport;    ///< "udp", "tcp"
};

class SofiaLog {
 public:
  /// Opens `path` (empty: lines are dropped) and redirects Sofia's logs to it.
  explicit SofiaLog(const std::string& path);
  ~SofiaLog();
  SofiaLog(const SofiaLog&) = delete;
  SofiaLog& operator=(const SofiaLog&) = delete;

  /// The last "could not send" of Sofia's transaction layer, if any.
  const std::optional<TransportError>& transport_error() const { return error_; }

  /// One formatted line from Sofia (public for the C trampoline).
  void line(const char* text);

 private:
  std::FILE* file_ = nullptr;
  std::mutex mutex_;
  std::string pending_;  ///< Sofia writes a line in pieces
  std::optional<TransportError> error_;
};

}  // namespace ladder::engine
