#include "engine/actor.h"

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

}  // namespace ladder::engine
