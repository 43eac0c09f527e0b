// The SVG ladder of one verdict and its message panels, shared by the verdict page and the
// `--each` page. Private to ladder::report.
#pragma once

#include <string>

#include "report/html.h"

namespace ladder::report::html {

/// The verdict line, the failures (warnings folded under them) and the notes.
std::string verdict_summary(const HtmlVerdict& in);

/// The lane titles, the ladder (expected beside observed, one row per message or missing step)
/// and a hidden panel per row. `prefix` keeps ids unique when a page holds several ladders.
std::string ladder_svg(const HtmlVerdict& in, const std::string& prefix);

/// The element the script fills with a row's panel.
std::string panel();

}  // namespace ladder::report::html
