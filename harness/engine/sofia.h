// Private: Sofia-SIP's magic types, defined before any Sofia include (STYLE.md habit 8), and
// move-only owners of the Sofia objects the engine creates. Include this first, and only from
// this folder's .cpp files.
#pragma once

#ifdef NUA_MAGIC_T
#error "engine/sofia.h must be included before any Sofia-SIP header"
#endif

namespace ladder::engine {
class Agent;
struct HandleInfo;
struct WatchSlot;
struct TimerSlot;
}  // namespace ladder::engine

#define NUA_MAGIC_T ::ladder::engine::Agent
#define NUA_HMAGIC_T ::ladder::engine::HandleInfo
#define SU_WAKEUP_ARG_T ::ladder::engine::WatchSlot
#define SU_TIMER_ARG_T ::ladder::engine::TimerSlot

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_tag.h>
#include <sofia-sip/su.h>
#include <sofia-sip/su_tag.h>
#include <sofia-sip/su_wait.h>
#include <sofia-sip/tport_tag.h>

#include <memory>
#include <string>

namespace ladder::engine {

struct SuHomeDeleter {
  void operator()(su_home_t* h) const noexcept { su_home_unref(h); }
};
/// A memory home for short-lived Sofia values (header copies, printed headers).
using SuHome = std::unique_ptr<su_home_t, SuHomeDeleter>;

/// Prints a header with Sofia's encoder ("refer;id=1234"); empty for a null header.
inline std::string header_text(const sip_header_t* h) {
  if (h == nullptr) return {};
  SuHome home(static_cast<su_home_t*>(su_home_new(sizeof(su_home_t))));
  char* s = sip_header_as_string(home.get(), h);
  return s != nullptr ? std::string(s) : std::string();
}

}  // namespace ladder::engine
