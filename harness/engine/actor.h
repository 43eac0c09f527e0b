// Private: the seam through which the engine makes a role act. The engine decides *when* a step
// is due (Director); an Actor decides *how* its role performs it: the Sofia user agent (agent.h)
// calls nua, a handset driver would send a ctrl_tcp command, an HTTP request or ask the operator.
// Every Actor is told what to do as a typed Action, derived from the ladder, never as SIP method
// strings plus arguments that only some methods use.
//
// Threading: everything here runs on the engine's one thread, inside its one loop (loop.h).
// An Actor never blocks and never starts threads that call back into the engine: a driver waits
// for its sockets through Loop::watch and for time through Loop::after.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/core.h"
#include "core/driver_event.h"

namespace ladder::engine {

/// What a role must do for one step: the verb. Derived once from the ladder (Plan::verb).
enum class ActionKind : std::uint8_t {
  dial,      ///< a new INVITE (a new call)
  reinvite,  ///< an INVITE inside an existing dialog that neither holds nor resumes
  hold,      ///< a re-INVITE offering a=sendonly (`send: {body: {sdp: hold}}`)
  resume,    ///< a re-INVITE offering a=sendrecv again (`send: {body: {sdp: resume}}`)
  ring,      ///< a 1xx to an INVITE
  answer,    ///< a 2xx to an INVITE
  reject,    ///< a 3xx-6xx to an INVITE (busy, decline)
  hang_up,   ///< BYE
  cancel,    ///< CANCEL of the role's pending INVITE
  transfer,  ///< blind transfer: REFER
  digits,    ///< DTMF: an INFO whose `send:` body is application/dtmf-relay
  request,   ///< any other request: NOTIFY, INFO, UPDATE, MESSAGE, OPTIONS, REGISTER, SUBSCRIBE ...
};
std::string_view to_string(ActionKind k);
/// The kind a ladder's `action: VERB` names (scenario::action_verbs(): "hang_up" for hang_up).
std::optional<ActionKind> verb_named(std::string_view verb);

/// Extra content the ladder's `send:` asks for.
struct Content {
  std::string headers;  ///< "X-A: 1\r\nX-B: 2"
  std::string type;     ///< Content-Type of `body`; empty: none given
  std::string body;
  /// An SDP preset the actor builds itself ("offer", "answer", "hold", "resume", "inactive"...);
  /// then type and body are empty.
  std::optional<std::string> sdp_preset;
};

/// The parts of an Action only some kinds have.
struct Dial {
  std::string uri;  ///< the Request-URI: "sip:bob@example.test"
  /// The role received a REFER earlier in the ladder and this is its first new call since: a
  /// transferee's call to the transfer target, which a phone places by itself.
  bool by_refer = false;
  /// The ladder answered the role's previous INVITE with 401/407 and this is its next INVITE:
  /// the retry with credentials, in the same Call-ID (RFC 3665 3.2), not a new call.
  bool after_challenge = false;
};
struct Respond {  ///< ring, answer, reject
  int status = 0;
  std::optional<std::string> reason;  ///< the ladder's phrase, if it gives one
  /// answer: the SDP offer of the request being answered, as seen on the wire ("" if none).
  std::string offer;
  /// The answered request's method ("INVITE"; "SUBSCRIBE" ...).
  std::string method = "INVITE";
};
struct Transfer {
  std::string refer_to;  ///< the Refer-To value, in <>
};
struct Digits {
  std::string digits;  ///< "123#": the Signal= values of the body, in order
};
struct Request {
  std::string method;  ///< "NOTIFY"
  /// Request-URI of a request outside a dialog; "" for REGISTER without `uri:` (the registrar).
  std::string uri;
  bool ends_subscription = false;  ///< NOTIFY: Subscription-State terminated
};

/// One step to perform. Built by the Director (make_action) when the step is due.
struct Action {
  ActionKind kind = ActionKind::request;
  std::size_t step = 0;  ///< index into Scenario::steps, for messages
  /// The step as a person reads it: "F5: 200 A -> P" (prompts, driver messages).
  std::string label;
  /// Dialog label of the step ("" when none; for a CANCEL, the cancelled INVITE's).
  std::string dialog;
  /// The Call-ID this role's dialog (or, for a response, the answered request) was seen with on
  /// the wire; "" while unknown. Drivers use it to pick the call (baresip callfind, ASW:<id>).
  std::string call_id;
  Content content;
  /// When the step fails if it has not happened (loop clock, ns since the epoch): how long a
  /// driver may wait for its device (the operator at a prompt, a phone's reply).
  core::TimeNs deadline = 0;
  /// The step's `action: {press: [...]}`: the keys a handset driver presses instead of the
  /// verb's own command (for what inference cannot know, such as a model's transfer keys).
  /// Empty: none given. Roles the harness plays ignore it.
  std::vector<std::string> press;
  /// Dial for dial; Respond for ring, answer, reject; Transfer for transfer; Digits for digits;
  /// Request for request; nothing for the others. The accessors below throw std::bad_variant_access
  /// on a mismatch.
  std::variant<std::monostate, Dial, Respond, Transfer, Digits, Request> detail;

  const Dial& dial() const { return std::get<Dial>(detail); }
  const Respond& respond() const { return std::get<Respond>(detail); }
  const Transfer& transfer() const { return std::get<Transfer>(detail); }
  const Digits& digits() const { return std::get<Digits>(detail); }
  const Request& request() const { return std::get<Request>(detail); }
};

/// What an Actor says when asked to perform an Action.
struct Outcome {
  enum class Status : std::uint8_t {
    done,       ///< performed (the wire will show whether it worked)
    not_ready,  ///< cannot yet (no dialog yet ...): asked again next loop turn
    cannot,     ///< never will (a verb the phone or stack does not have): the step fails now
  };
  Status status = Status::done;
  std::string reason;  ///< not_ready, cannot: why, one phrase ("no dialog 'ab' yet")

  static Outcome done() { return {}; }
  static Outcome not_ready(std::string why) { return {Status::not_ready, std::move(why)}; }
  static Outcome cannot(std::string why) { return {Status::cannot, std::move(why)}; }
};

/// Something an Actor found out later, away from perform(): a REGISTER rejected, a phone that
/// did not act on a command within its deadline, a driver that lost its connection.
struct ActorError {
  std::string message;  ///< a whole sentence naming the role: "A: REGISTER rejected: 403 Forbidden"
  bool fatal = false;   ///< the run cannot go on: the engine stops it
  std::optional<std::size_t> step;  ///< the step it concerns, if any (becomes the stuck step)
};

/// How an actor performed a step, for the message when the step then does not happen: a
/// command the device may have ignored.
struct Sent {
  std::string what;  ///< "A (baresip): dial sip:bob@example.test"
  core::TimeNs at = 0;  ///< when it was sent (loop clock)
};

/// One role that acts. Owned by the engine's run; destroyed after its teardown finished (or its
/// deadline passed), before the loop it was created on.
class Actor {
 public:
  virtual ~Actor() = default;

  /// Performs `action` now or says why not. Never blocks: a driver sends its command and
  /// returns done; what the device then does is seen on the wire (or reported as an ActorError).
  virtual Outcome perform(const Action& action) = 0;

  /// Where the role's SIP traffic comes from: a played role's bound address:port (once the stack
  /// reported it), a handset's testbed address. Empty while not known yet.
  virtual std::optional<core::Endpoint> bound() const = 0;

  /// Errors found since the last call, each returned once.
  virtual std::vector<ActorError> take_errors() = 0;

  /// A driver: whether it reached its device (connected, logged in). The engine waits for every
  /// actor to be ready, or to report a fatal error, before the flow starts.
  virtual bool ready() const { return true; }
  /// A driver: what its device reported since the last call, each returned once.
  virtual std::vector<core::DriverEvent> take_events() { return {}; }
  /// A driver: the command it sent for `step`, if any (not the Sofia agent: nua does not ignore).
  virtual std::optional<Sent> sent(std::size_t step) const {
    (void)step;
    return std::nullopt;
  }

  /// Teardown, in loop turns: begin_teardown() once (un-register, hang up, close), then
  /// teardown_step() every turn until it returns true. The engine gives up after its own
  /// deadline and destroys the actor anyway.
  virtual void begin_teardown() = 0;
  virtual bool teardown_step() = 0;
};

}  // namespace ladder::engine
