#include "engine/su_loop.h"

#include <algorithm>

#include "engine/sofia.h"  // first: magic types
#include "engine/wire_log.h"

namespace ladder::engine {

// A callback may cancel its own Registration (a driver closing its socket from its read
// callback): the slot is then freed by the trampoline after the callback returns.
struct WatchSlot {
  std::function<void()> on_ready;
  su_root_t* root = nullptr;
  su_wait_t wait{};
  int index = -1;
  bool running = false;
  bool cancelled = false;
};

struct TimerSlot {
  std::function<void()> on_time;
  su_timer_t* timer = nullptr;
  bool running = false;
  bool cancelled = false;
};

namespace {

int watch_trampoline(su_root_magic_t*, su_wait_t*, WatchSlot* slot) noexcept {
  if (slot == nullptr) return 0;
  slot->running = true;
  try {
    if (slot->on_ready) slot->on_ready();
  } catch (...) {
    // Must not unwind through Sofia's C frames (Loop::watch says so).
  }
  slot->running = false;
  if (slot->cancelled) delete slot;
  return 0;
}

void timer_trampoline(su_root_magic_t*, su_timer_t*, TimerSlot* slot) noexcept {
  if (slot == nullptr) return;
  slot->running = true;
  try {
    if (slot->on_time) slot->on_time();
  } catch (...) {
  }
  slot->running = false;
  if (slot->cancelled) delete slot;
}

}  // namespace

std::expected<std::unique_ptr<SuLoop>, std::string> SuLoop::create() {
  std::unique_ptr<SuLoop> loop(new SuLoop());
  if (su_init() != 0) return std::unexpected("cannot initialise Sofia-SIP (su_init failed)");
  loop->initialised_ = true;
  loop->root_ = su_root_create(nullptr);
  if (loop->root_ == nullptr) {
    return std::unexpected("cannot create the Sofia-SIP event loop (su_root_create)");
  }
  // One thread: every nua on this root runs its stack here (STYLE.md habit 6).
  su_root_threading(loop->root_, 0);
  return loop;
}

SuLoop::~SuLoop() {
  if (root_ != nullptr) su_root_destroy(root_);
  if (initialised_) su_deinit();
}

void SuLoop::step(int max_ms) { su_root_step(root_, max_ms); }

core::TimeNs SuLoop::now() const { return now_ns(); }

std::expected<Registration, std::string> SuLoop::watch(int fd, Readiness what,
                                                       std::function<void()> on_ready) {
  auto* slot = new WatchSlot;
  slot->on_ready = std::move(on_ready);
  slot->root = root_;
  int events = what == Readiness::readable ? SU_WAIT_IN : SU_WAIT_OUT;
  if (su_wait_create(&slot->wait, fd, events) != 0) {
    delete slot;
    return std::unexpected("cannot watch file descriptor " + std::to_string(fd));
  }
  slot->index = su_root_register(root_, &slot->wait, watch_trampoline, slot, 0);
  if (slot->index < 0) {
    su_wait_destroy(&slot->wait);
    delete slot;
    return std::unexpected("cannot watch file descriptor " + std::to_string(fd));
  }
  return Registration([slot] {
    // su_root_deregister also destroys the wait object.
    su_root_deregister(slot->root, slot->index);
    if (slot->running) {
      slot->cancelled = true;
    } else {
      delete slot;
    }
  });
}

std::expected<Registration, std::string> SuLoop::after(std::chrono::milliseconds delay,
                                                       std::function<void()> on_time) {
  auto* slot = new TimerSlot;
  slot->on_time = std::move(on_time);
  // su_timer asserts a duration > 0 (su_timer.c): "now" is the next millisecond.
  auto ms = static_cast<su_duration_t>(std::max<std::int64_t>(1, delay.count()));
  slot->timer = su_timer_create(su_root_task(root_), ms);
  if (slot->timer == nullptr || su_timer_set(slot->timer, timer_trampoline, slot) != 0) {
    if (slot->timer != nullptr) su_timer_destroy(slot->timer);
    delete slot;
    return std::unexpected("cannot set a timer");
  }
  return Registration([slot] {
    su_timer_destroy(slot->timer);  // also resets it
    if (slot->running) {
      slot->cancelled = true;
    } else {
      delete slot;
    }
  });
}

}  // namespace ladder::engine
