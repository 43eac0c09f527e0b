// Evaluation of a step's header, body and Request-URI expectations against one message.
// Private to ladder::checker.
#pragma once

#include <string>
#include <vector>

#include "checker/checker.h"
#include "sip/bulk.h"

namespace ladder::checker {

/// A header value split into its URI (for name-addr headers, Via: sent-by) and parameters.
struct ValueParts {
  std::string uri;  ///< "sip:bob@h;lr" (inside <> when present); empty when none
  sip::Params params;
};
ValueParts split_value(std::string_view header, std::string_view value);

/// Appends failures (kind header/body/uri) to `out`; `save:` values go into `saved`, which the
/// caller makes `bindings` itself when the scenario saves anything (else null: nothing to save).
void check_expectations(const scenario::Step& step, const sip::Message& message,
                        const scenario::Bindings& bindings, scenario::Bindings* saved,
                        std::vector<Failure>& out);

}  // namespace ladder::checker
