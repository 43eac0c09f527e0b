#include "usecase/socket_drops.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace ladder::usecase {

std::uint64_t udp_drops(const std::set<std::uint16_t>& ports) {
  std::uint64_t total = 0;
  for (const char* path : {"/proc/self/net/udp", "/proc/self/net/udp6"}) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // the column titles
    while (std::getline(in, line)) {
      // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout
      //  inode ref pointer drops"; local_address is HEXADDR:HEXPORT.
      std::istringstream fields(line);
      std::string sl, local, field;
      if (!(fields >> sl >> local)) continue;
      auto colon = local.rfind(':');
      if (colon == std::string::npos) continue;
      unsigned long port = std::strtoul(local.c_str() + colon + 1, nullptr, 16);
      if (!ports.contains(static_cast<std::uint16_t>(port))) continue;
      std::string last;
      while (fields >> field) last = field;
      if (!last.empty() && last.find_first_not_of("0123456789") == std::string::npos) {
        total += std::strtoull(last.c_str(), nullptr, 10);
      }
    }
  }
  return total;
}

}  // namespace ladder::usecase
