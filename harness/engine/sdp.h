// Private: the minimal SDP bodies a played role sends (no media is ever sent:
// NUTAG_MEDIA_ENABLE(0)).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/core.h"

namespace ladder::engine {

/// One audio stream, PCMU. `preset`: "offer" and "answer" (a=sendrecv), "hold" (a=sendonly),
/// "resume" (a=sendrecv). `version` goes into o= and must grow with every new offer of a
/// session. `media_port` is only written, never opened.
std::string make_sdp(std::string_view preset, const core::Address& address, std::uint32_t version,
                     std::uint16_t media_port);

/// The direction attribute an answer must carry for an offer body: sendonly -> recvonly,
/// recvonly -> sendonly, inactive -> inactive, otherwise sendrecv.
std::string_view answer_direction(std::string_view offer);

}  // namespace ladder::engine
