// Private to ladder::usecase: role attributes read back from a capture (issue 12).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "scenario/scenario.h"

namespace ladder::usecase {

struct Inference {
  std::map<std::string, std::string> values;  ///< "B.user" -> "bob"
  std::vector<std::string> notes;             ///< where each value was read
  std::vector<std::string> missing;           ///< "B.user": needed, not readable
};

/// From a verdict whose expectations met placeholders without a value (Failure::unbound):
/// the role attributes an `equals` pins, read back from what the step's message carried.
Inference infer_role_attributes(const checker::Verdict& verdict, const scenario::Bindings& known);

/// Adds the inferred values to `bindings` (values already there win).
void apply(const Inference& inference, scenario::Bindings& bindings);

/// "LADDER needs ${B.user}, ...: pass --set B.user=... or set `user:` on role B in the testbed".
std::string missing_attributes_error(const std::vector<std::string>& missing,
                                     const std::string& ladder);

}  // namespace ladder::usecase
