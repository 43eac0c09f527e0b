// Small behaviour of the model types: lookups, names, labels.
#include "scenario/model.h"

#include <algorithm>

#include "scenario/load.h"
#include "scenario/testbed.h"

namespace ladder::scenario {

std::string Step::label() const {
  return kind == StepKind::request ? method : std::to_string(status);
}

std::string Step::describe() const { return id + " (" + label() + " " + from + " -> " + to + ")"; }

std::string_view to_string(RoleKind k) {
  switch (k) {
    case RoleKind::ua:
      return "ua";
    case RoleKind::proxy:
      return "proxy";
    case RoleKind::b2bua:
      return "b2bua";
  }
  return "?";
}

std::string_view to_string(ExtraMessages e) {
  switch (e) {
    case ExtraMessages::fail:
      return "fail";
    case ExtraMessages::warn:
      return "warn";
    case ExtraMessages::ignore:
      return "ignore";
  }
  return "?";
}

std::string_view to_string(PlayedBy p) {
  switch (p) {
    case PlayedBy::harness:
      return "harness";
    case PlayedBy::dut:
      return "dut";
    case PlayedBy::external:
      return "external";
  }
  return "?";
}

std::string_view to_string(DriverKind k) {
  switch (k) {
    case DriverKind::action_uri:
      return "action-uri";
    case DriverKind::csta:
      return "csta";
    case DriverKind::prompt:
      return "prompt";
    case DriverKind::baresip:
      return "baresip";
  }
  return "?";
}

const Role* Scenario::find_role(std::string_view id) const {
  auto it = std::find_if(roles.begin(), roles.end(), [&](const Role& r) { return r.id == id; });
  return it == roles.end() ? nullptr : &*it;
}

const Dialog* Scenario::find_dialog(std::string_view label) const {
  auto it = std::find_if(dialogs.begin(), dialogs.end(),
                         [&](const Dialog& d) { return d.label == label; });
  return it == dialogs.end() ? nullptr : &*it;
}

std::optional<std::size_t> Scenario::find_step(std::string_view id) const {
  for (std::size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id == id) return i;
  }
  return std::nullopt;
}

bool Scenario::expects_record_route(const Role& role) const {
  if (role.kind == RoleKind::ua) return false;
  return policy.record_route.value_or(role.kind == RoleKind::proxy);
}

const TestbedRole* Testbed::find_role(std::string_view id) const {
  auto it =
      std::find_if(roles.begin(), roles.end(), [&](const TestbedRole& r) { return r.id == id; });
  return it == roles.end() ? nullptr : &*it;
}

std::string_view summary_line(const core::Diagnostic& d) {
  std::string_view m = d.message;
  return m.substr(0, m.find('\n'));
}

const std::vector<std::string>& waivable_kinds() {
  static const std::vector<std::string> kinds = [] {
    std::vector<std::string> v;
    for (core::FailureKind k : core::failure_kinds()) {
      if (core::waivable(k)) v.emplace_back(core::to_string(k));
    }
    return v;
  }();
  return kinds;
}

}  // namespace ladder::scenario
