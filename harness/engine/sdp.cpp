#include "engine/sdp.h"

namespace ladder::engine {

std::string_view answer_direction(std::string_view offer) {
  if (offer.find("a=sendonly") != std::string_view::npos) return "recvonly";
  if (offer.find("a=recvonly") != std::string_view::npos) return "sendonly";
  if (offer.find("a=inactive") != std::string_view::npos) return "inactive";
  return "sendrecv";
}

std::string make_sdp(std::string_view preset, const core::Address& address, std::uint32_t version,
                     std::uint16_t media_port) {
  std::string ip = address.family == 0 ? "127.0.0.1" : address.to_string();
  std::string family = address.family == 6 ? "IP6" : "IP4";
  std::string direction = "sendrecv";
  if (preset == "hold") direction = "sendonly";
  if (preset == "recvonly" || preset == "sendonly" || preset == "inactive") {
    direction = std::string(preset);
  }
  std::string v = std::to_string(version);
  return "v=0\r\n"
         "o=ladder " +
         v + " " + v + " IN " + family + " " + ip +
         "\r\n"
         "s=ladder\r\n"
         "c=IN " +
         family + " " + ip +
         "\r\n"
         "t=0 0\r\n"
         "m=audio " +
         std::to_string(media_port) +
         " RTP/AVP 0\r\n"
         "a=rtpmap:0 PCMU/8000\r\n"
         "a=" +
         direction + "\r\n";
}

}  // namespace ladder::engine
