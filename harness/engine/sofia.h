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
struct PollerSlot;
}  // namespace ladder::engine

#define NUA_MAGIC_T ::ladder::engine::Agent
#define NUA_HMAGIC_T ::ladder::engine::HandleInfo
#define SU_WAKEUP_ARG_T ::ladder::engine::PollerSlot

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

/// su_init()/su_deinit() for the lifetime of one play().
class SuLibrary {
 public:
  SuLibrary() { ok_ = su_init() == 0; }
  ~SuLibrary() {
    if (ok_) su_deinit();
  }
  SuLibrary(const SuLibrary&) = delete;
  SuLibrary& operator=(const SuLibrary&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

struct SuRootDeleter {
  void operator()(su_root_t* r) const noexcept { su_root_destroy(r); }
};
/// The one event loop. Destroy it after every nua on it.
using SuRoot = std::unique_ptr<su_root_t, SuRootDeleter>;

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
