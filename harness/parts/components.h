// Private to parts: the command line (and generated config) of each kind of part.
#pragma once

#include <expected>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "parts/parts.h"

namespace ladder::parts::detail {

/// What a part is started with.
struct Launch {
  std::vector<std::string> argv;
  core::Endpoint address;                 ///< its SIP address, port chosen
  std::optional<core::Endpoint> control;  ///< baresip ctrl_tcp
  std::string scratch;                    ///< private temporary folder, removed at stop
  bool registers = false;                 ///< baresip: its account registers to a proxy
};

struct Context {
  std::filesystem::path testbed_dir;  ///< relative paths of the testbed are resolved here
  std::filesystem::path dir;          ///< the run directory (logs, generated configs)
  const scenario::Testbed* testbed = nullptr;  ///< with the addresses of parts started so far
};

std::expected<Launch, std::string> prepare(const scenario::TestbedRole& role, const Context& ctx);

/// Whether baresip's ctrl_tcp at `control` answers `reginfo` with every account registered
/// (or just answers, when `registers` is false). One short connection: ctrl_tcp serves one
/// client at a time, and the driver connects after this.
bool baresip_ready(const core::Endpoint& control, bool registers, std::chrono::milliseconds timeout);

}  // namespace ladder::parts::detail
