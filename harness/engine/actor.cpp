#include "engine/actor.h"

#include <algorithm>

namespace ladder::engine {

std::string_view to_string(ActionKind k) {
  switch (k) {
    case ActionKind::dial:
      return "dial";
    case ActionKind::reinvite:
      return "reinvite";
    case ActionKind::hold:
      return "hold";
    case ActionKind::resume:
      return "resume";
    case ActionKind::ring:
      return "ring";
    case ActionKind::answer:
      return "answer";
    case ActionKind::reject:
      return "reject";
    case ActionKind::hang_up:
      return "hang up";
    case ActionKind::cancel:
      return "cancel";
    case ActionKind::transfer:
      return "transfer";
    case ActionKind::digits:
      return "digits";
    case ActionKind::request:
      return "request";
  }
  return "?";
}

std::optional<ActionKind> verb_named(std::string_view verb) {
  for (auto k = static_cast<int>(ActionKind::dial); k <= static_cast<int>(ActionKind::request); ++k) {
    std::string name(to_string(static_cast<ActionKind>(k)));
    std::replace(name.begin(), name.end(), ' ', '_');
    if (name == verb) return static_cast<ActionKind>(k);
  }
  return std::nullopt;
}

}  // namespace ladder::engine
