// Private: the engine's one event loop as actors and pollers see it, without Sofia types. A
// handset driver watches its sockets (ctrl_tcp, HTTP) and sets its deadlines through this, so
// everything runs on the engine's thread, in the loop that also runs Sofia: no thread ever posts
// into it. SuLoop (su_loop.h) implements it on the su_root.
//
// Threading: the engine's thread only. Callbacks run from inside the loop's step, on that thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <functional>
#include <string>
#include <utility>

#include "core/core.h"

namespace ladder::engine {

/// A registration with the loop (a watched descriptor, a timer). Destroying it (or reset())
/// cancels it: the callback is not called afterwards. Must be destroyed before the loop.
/// Move-only.
class Registration {
 public:
  Registration() = default;
  explicit Registration(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  ~Registration() { reset(); }
  Registration(Registration&& o) noexcept : cancel_(std::exchange(o.cancel_, {})) {}
  Registration& operator=(Registration&& o) noexcept {
    if (this != &o) {
      reset();
      cancel_ = std::exchange(o.cancel_, {});
    }
    return *this;
  }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;
  void reset() noexcept {
    if (cancel_) std::exchange(cancel_, {})();
  }
  explicit operator bool() const { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

enum class Readiness : std::uint8_t { readable, writable };

/// The loop actors are given (not owned: it outlives every actor). Engine thread only.
class Loop {
 public:
  virtual ~Loop() = default;
  /// Calls `on_ready` from the loop whenever `fd` is readable (writable) until the Registration
  /// is destroyed. The caller keeps `fd` open that long. An exception thrown by the callback is
  /// swallowed at the loop's edge (it must not unwind through C frames): report errors instead.
  virtual std::expected<Registration, std::string> watch(int fd, Readiness what,
                                                         std::function<void()> on_ready) = 0;
  /// Calls `on_time` once from the loop after `delay` (not before), unless the Registration
  /// is destroyed first.
  virtual std::expected<Registration, std::string> after(std::chrono::milliseconds delay,
                                                         std::function<void()> on_time) = 0;
  /// Wall-clock now, the time base of every message time (core::TimeNs since the epoch).
  virtual core::TimeNs now() const = 0;
};

}  // namespace ladder::engine
