#include "sip/sip.h"

namespace ladder::sip {

std::uint64_t hop_key(const Wire& hop, const Summary& summary) {
  auto mix = [](std::uint64_t h, std::uint64_t v) {
    return h ^ (v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2));
  };
  std::uint64_t k = mix(core::EndpointHash{}(hop.src), core::EndpointHash{}(hop.dst));
  k = mix(k, static_cast<std::uint64_t>(hop.transport));
  return mix(k, summary.transmission);
}

}  // namespace ladder::sip
