// Private: the engine's one loop, a Sofia-SIP su_root, behind the Loop interface. It owns
// su_init()/su_deinit() and the root, made single-threaded (su_root_threading(root, 0)) so that
// every nua created on it runs its stack in this thread too. No Sofia type in this header: tests
// and drivers use it without Sofia's includes.
//
// Threading: create, use and destroy it on one thread. Destroy every nua and every Registration
// made on it first.
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "engine/loop.h"

struct su_root_s;

namespace ladder::engine {

/// Owns su_init()/su_deinit() and the su_root; made by create(), used and destroyed on one
/// thread, after every nua and Registration made on it.
class SuLoop final : public Loop {
 public:
  /// The error is one sentence ("cannot create the Sofia-SIP event loop (su_root_create)").
  static std::expected<std::unique_ptr<SuLoop>, std::string> create();
  ~SuLoop() override;
  SuLoop(const SuLoop&) = delete;
  SuLoop& operator=(const SuLoop&) = delete;

  /// Runs the loop once: waits up to `max_ms` for an event or a timer, then serves what is due.
  void step(int max_ms);
  /// For nua_create; owned by this object.
  su_root_s* root() const { return root_; }

  std::expected<Registration, std::string> watch(int fd, Readiness what,
                                                 std::function<void()> on_ready) override;
  std::expected<Registration, std::string> after(std::chrono::milliseconds delay,
                                                 std::function<void()> on_time) override;
  core::TimeNs now() const override;

 private:
  SuLoop() = default;
  bool initialised_ = false;  ///< su_init succeeded: su_deinit in the destructor
  su_root_s* root_ = nullptr;
};

}  // namespace ladder::engine
