// Private: baresip's ctrl_tcp protocol (modules/ctrl_tcp in baresip 1.0): netstrings
// ("12:{...json...},") carrying JSON commands one way and responses and events the other.
// Pure: bytes in, messages out; the socket is the driver's (baresip_actor.h).
//
// Threading: value types, used on the engine's thread.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace ladder::engine::ctrl_tcp {

/// A command as sent on the wire: the netstring of {"command":..,"params":..,"token":..}
/// (no "params" when empty).
std::string command(std::string_view name, std::string_view params, std::string_view token);

/// baresip's answer to a command: {"response":true,"ok":..,"data":..,"token":..}.
struct Reply {
  std::string token;
  bool ok = false;
  std::string data;  ///< what the command printed (menu text), possibly empty
};

/// An event: {"event":true,"type":"CALL_INCOMING","class":"call","id":CALLID,...}.
struct Event {
  std::string type;
  std::string call_id;    ///< "id"
  std::string direction;  ///< "incoming" / "outgoing"
  std::string peer_uri;   ///< "peeruri"
  std::string param;      ///< "param": the transfer target, a reason ...
};

using Message = std::variant<Reply, Event>;

/// Splits the byte stream into messages. Bounded: a netstring longer than kMaxLength or a
/// malformed frame is an error (the connection is then useless).
class Reader {
 public:
  static constexpr std::size_t kMaxLength = 1 << 20;
  void feed(std::string_view bytes) { buffer_.append(bytes); }
  /// The next whole message, nullopt when more bytes are needed, or what is wrong. JSON that is
  /// neither a response nor an event (or not JSON) is skipped.
  std::expected<std::optional<Message>, std::string> next();

 private:
  std::string buffer_;
};

}  // namespace ladder::engine::ctrl_tcp
