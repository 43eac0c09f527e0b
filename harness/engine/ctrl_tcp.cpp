// nlohmann/json here, as in report/json_writer.cpp: ctrl_tcp speaks JSON, and a parser by hand
// for untrusted bytes off a socket would be the riskier choice. Linked PRIVATE, this file only.
#include "engine/ctrl_tcp.h"

#include <nlohmann/json.hpp>

namespace ladder::engine::ctrl_tcp {
namespace {

std::string text(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

bool flag(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace

std::string command(std::string_view name, std::string_view params, std::string_view token) {
  nlohmann::json j;
  j["command"] = std::string(name);
  if (!params.empty()) j["params"] = std::string(params);
  j["token"] = std::string(token);
  std::string body = j.dump();
  return std::to_string(body.size()) + ":" + body + ",";
}

std::expected<std::optional<Message>, std::string> Reader::next() {
  while (true) {
    std::size_t colon = buffer_.find(':');
    if (colon == std::string::npos) {
      if (buffer_.size() > 8) return std::unexpected("ctrl_tcp: netstring length too long");
      return std::nullopt;
    }
    std::size_t length = 0;
    if (colon == 0 || colon > 7) return std::unexpected("ctrl_tcp: bad netstring length");
    for (std::size_t i = 0; i < colon; ++i) {
      char c = buffer_[i];
      if (c < '0' || c > '9') return std::unexpected("ctrl_tcp: bad netstring length");
      length = length * 10 + static_cast<std::size_t>(c - '0');
    }
    if (length > kMaxLength) return std::unexpected("ctrl_tcp: netstring longer than 1 MiB");
    if (buffer_.size() < colon + 1 + length + 1) return std::nullopt;
    if (buffer_[colon + 1 + length] != ',') {
      return std::unexpected("ctrl_tcp: netstring not terminated by ','");
    }
    std::string body = buffer_.substr(colon + 1, length);
    buffer_.erase(0, colon + 1 + length + 1);
    nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) continue;  // not JSON: nothing to act on
    if (flag(j, "response"))
      return Message{Reply{text(j, "token"), flag(j, "ok"), text(j, "data")}};
    if (flag(j, "event")) {
      return Message{Event{text(j, "type"), text(j, "id"), text(j, "direction"), text(j, "peeruri"),
                           text(j, "param")}};
    }
  }
}

}  // namespace ladder::engine::ctrl_tcp
