// Private to usecase: where a run writes when the user names no folder (`--out`).
#pragma once

#include <string>
#include <string_view>

namespace ladder::usecase {

/// "reports/20261130-110400" for a run, "reports/20261130-110400-hold" with a `name` (a folder
/// run names its folder): local time, so that a QA engineer finds the run of this morning.
std::string default_run_dir(std::string_view name = {});

}  // namespace ladder::usecase
