// Private: one played role, a Sofia-SIP nua user agent on the engine's su_root: the Actor of a
// role the harness plays. It owns its nua and every handle it creates or is given (incoming
// calls), and turns Actions ("transfer to <sip:carol@...> in dialog ab") into nua calls, with the
// SDP it makes itself. Events are copied into project types in a noexcept trampoline; nothing
// Sofia-typed leaves this file pair.
//
// Threading: the engine's thread only (the su_root runs there; su_root_threading(root, 0)).
#pragma once

#include <deque>
#include <cstdint>
#include <expected>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.h"
#include "engine/sofia.h"  // first: magic types
#include "engine/actor.h"

namespace ladder::engine {

struct AgentConfig {
  std::string role;
  std::string user;
  core::Endpoint bind;  ///< port 0: ephemeral
  core::Transport transport = core::Transport::udp;
  std::optional<std::string>
      proxy;              ///< outbound proxy URI, e.g. "sip:127.0.0.1:5060;transport=tcp"
  std::string aor;        ///< From and registration AoR: "sip:alice@example.test"
  std::string registrar;  ///< Request-URI of REGISTER: "sip:example.test"
  std::optional<std::string> password;
  std::string password_env;  ///< for messages
  std::string dump_path;     ///< TPTAG_DUMP file
  std::uint16_t media_port = 0;  ///< written into its SDP, never opened
  // Load mode (load.h): one nua serves many call instances of the same ladder. Every handle
  // belongs to one instance (HandleInfo::instance); lookups by dialog label, Call-ID and REFER
  // stay inside the instance. play() leaves these unset: everything is instance 0.
  /// The Call-ID of a new call `instance` makes (empty function: nua makes it).
  std::function<std::string(std::uint64_t instance)> new_call_id;
  /// The instance a new incoming request belongs to, from its Call-ID (empty function:
  /// instance 0). nullopt: none (a call already over, another run's): answered 481 and dropped.
  std::function<std::optional<std::uint64_t>(std::string_view call_id)> instance_of;
  /// NTATAG_SIP_T1X64 in ms (0: the stack's 64*T1 = 32 s). See load.cpp for the trade-off.
  unsigned t1x64_ms = 0;
  /// NTATAG_SIP_T4 in ms (0: the stack's 5 s): how long a completed transaction stays to absorb
  /// retransmissions on UDP (Timers K and I). See load.cpp.
  unsigned t4_ms = 0;
  /// TPTAG_UDP_RMEM/WMEM in bytes (0: the system's default).
  unsigned udp_buffer = 0;
};

/// What the agent knows about one nua handle; the handle's "hmagic". Owned by the Agent.
struct HandleInfo {
  Agent* agent = nullptr;
  nua_handle_t* nh = nullptr;  ///< owned: nua_handle_destroy in release()
  std::uint64_t instance = 0;  ///< the call instance (load mode; 0 in play())
  std::string label;           ///< dialog label, when known
  std::string call_id;
  std::string refer_event;  ///< Event of a REFER received on this dialog ("refer;id=1234")
  std::string referred_by;  ///< its Referred-By
  std::string refer_to;     ///< its Refer-To ("<sip:c@h?Replaces=...>")
  std::string sub_event;    ///< Event of a SUBSCRIBE received on this handle (we notify)
  std::string remote_sdp;   ///< last SDP received (offer to answer)
  int challenge = 0;        ///< 401/407 waiting for credentials
  std::string challenge_method;
  std::string realm;  ///< quoted, as in the challenge
  int auth_attempts = 0;
  bool auto_auth = false;  ///< pre-flow REGISTER: credentials sent from the event
  bool is_register = false;
  int register_status = 0;  ///< last final status of REGISTER (0: none yet)
  std::string register_phrase;
  bool unregister_sent = false;
  bool unregister_done = false;
  std::uint32_t sdp_version = 1;
  void release() noexcept;
};

/// Extra content for a message.
struct SendParams {
  std::string headers;  ///< "X-A: 1\r\nX-B: 2" (SIPTAG_HEADER_STR)
  std::string content_type;
  std::string body;
};

class Agent final : public Actor {
 public:
  /// Creates the nua bound to config.bind. The error is one sentence naming the role.
  static std::expected<std::unique_ptr<Agent>, std::string> create(su_root_t* root,
                                                                   AgentConfig config);
  ~Agent() override;
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  const AgentConfig& config() const { return config_; }
  /// The bound address:port once nua_r_get_params came back.
  std::optional<core::Endpoint> bound() const override { return bound_; }
  // Registration before the flow (TestbedRole::registers).
  void register_start();
  const HandleInfo* registration() const { return reg_; }
  /// Un-REGISTER every registered handle; done when every reply came back.
  void unregister_all();
  bool unregister_done() const;

  /// Requests on the dialog's handle, or on a new handle for a new call or a request outside
  /// a dialog. "Cannot" for a request method nua is not asked to send here (SUBSCRIBE ...).
  Outcome perform(const Action& action) override { return perform(action, 0); }
  /// The same for call instance `instance` (load mode): its handles only.
  Outcome perform(const Action& action, std::uint64_t instance);
  /// Destroys the handles of a finished instance (nua sends what it must: a BYE or CANCEL of a
  /// call still up).
  void release_instance(std::uint64_t instance);
  /// Handles held, all instances (load mode: bounded by the calls in progress).
  std::size_t handle_count() const;

  /// Teardown (RECIPES.md): un-REGISTER (up to 2 s), destroy handles, nua_shutdown, wait for
  /// nua_r_shutdown (up to 5 s), nua_destroy.
  void begin_teardown() override;
  bool teardown_step() override;

  /// The most recent body of `size` bytes this agent passed to nua (see
  /// DumpMessage::body_missing).
  std::optional<std::string> sent_body(std::size_t size) const;

  /// Errors found in events ("A: REGISTER rejected: 403 Forbidden"), taken once.
  std::vector<ActorError> take_errors() override;
  /// The same with the instance each concerns (load mode).
  std::vector<std::pair<std::uint64_t, ActorError>> take_instance_errors();

  static void trampoline(nua_event_t event, int status, char const* phrase, nua_t* nua,
                         Agent* agent, nua_handle_t* nh, HandleInfo* info, sip_t const* sip,
                         tagi_t tags[]) noexcept;

 private:
  explicit Agent(AgentConfig config) : config_(std::move(config)) {}
  void on_event(nua_event_t event, int status, const char* phrase, nua_handle_t* nh,
                HandleInfo* info, sip_t const* sip, tagi_t tags[]);
  void on_challenge(HandleInfo& h, int status, const char* phrase, sip_t const* sip);
  bool authenticate(HandleInfo& h);
  HandleInfo* adopt(nua_handle_t* nh, std::uint64_t instance);
  HandleInfo* new_handle(std::uint64_t instance, std::string_view label, const std::string& to);
  HandleInfo* find_call(std::uint64_t instance, std::string_view call_id);
  HandleInfo* find_label(std::uint64_t instance, std::string_view label);
  /// A handle holding a received REFER (for a NOTIFY sent outside its dialog's label).
  HandleInfo* find_refer(std::uint64_t instance);
  /// The handle of the action's dialog: by label, else by the Call-ID seen on the wire.
  HandleInfo* dialog_handle(const Action& a, std::uint64_t instance);
  std::string sdp(std::string_view preset, std::uint32_t version) const;
  Outcome invite(HandleInfo* h, std::uint64_t instance, std::string_view label,
                 const std::string& uri, const SendParams& p, const std::string& referred_by,
                 const std::string& replaces);
  Outcome respond(HandleInfo* h, int status, const std::string& phrase, const SendParams& p);
  Outcome request(const Action& a, std::uint64_t instance, std::string_view method, HandleInfo* h,
                  const SendParams& p);
  void release_handles();
  void shutdown();
  bool shutdown_done() const { return shutdown_status_ >= 200; }
  void destroy();
  void error(std::string message, bool fatal, std::uint64_t instance = 0);

  AgentConfig config_;
  nua_t* nua_ = nullptr;
  std::optional<core::Endpoint> bound_;
  /// Per instance, in the order made (play(): all in instance 0).
  std::map<std::uint64_t, std::vector<std::unique_ptr<HandleInfo>>> handles_;
  HandleInfo* reg_ = nullptr;
  int shutdown_status_ = 0;
  bool shutdown_called_ = false;
  std::vector<std::pair<std::uint64_t, ActorError>> errors_;
  enum class Teardown : std::uint8_t { none, unregistering, shutting_down, done };
  Teardown teardown_ = Teardown::none;
  core::TimeNs phase_deadline_ = 0;
  void remember(const SendParams& p);
  std::vector<std::string> bodies_;  ///< bodies passed to nua, most recent last (bounded)
  /// Reason phrases given to nua_respond. Sofia keeps the phrase *pointer* in the signal it
  /// queues to the stack (nua_signal: e_phrase = phrase, not copied) and reads it on a later
  /// loop turn, so the text must outlive the call: the agent owns it. A deque keeps addresses.
  std::deque<std::string> phrases_;
};

}  // namespace ladder::engine
