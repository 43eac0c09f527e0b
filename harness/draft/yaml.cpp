// The draft as a ladder file: flow-style steps a person edits line by line.
#include "draft/draft.h"

#include <algorithm>

namespace ladder::draft {

std::string to_yaml(const Draft& d) {
  std::string out;
  out += "# Drafted by `ladder init` from " + d.source + ". Edit before use: name the roles as\n";
  out += "# your vendor's guide does, add what must hold (headers, timing), mark optional steps.\n";
  out += "# Recorded addresses (not pinned; give them with --role or a testbed):\n";
  for (const DraftRole& r : d.roles) {
    std::string at;
    for (const core::Endpoint& e : r.endpoints) at += (at.empty() ? "" : ", ") + e.to_string();
    out += "#   " + r.id + " = " + at + (r.proxy ? " (forwards: a proxy)" : "") + "\n";
  }
  for (const std::string& n : d.notes) out += "# " + n + "\n";
  out += "name: " + d.name + "\n";
  out += "summary: drafted from " + d.source + "\n";
  out += "roles: [";
  for (std::size_t i = 0; i < d.roles.size(); ++i) {
    out += (i ? ", " : "") + d.roles[i].id + (d.roles[i].proxy ? ": proxy" : "");
  }
  out += "]\n";
  if (!d.dialogs.empty()) {
    out += "dialogs: {";
    for (std::size_t i = 0; i < d.dialogs.size(); ++i) out += (i ? ", " : "") + d.dialogs[i] + ": new";
    out += "}\n";
  }
  if (!d.any_order.empty()) {
    out += "# Legal reorderings: a UA does nothing on a provisional response or an ACK.\n";
    out += "any_order: [";
    for (std::size_t g = 0; g < d.any_order.size(); ++g) {
      out += (g ? ", [" : "[");
      for (std::size_t i = 0; i < d.any_order[g].size(); ++i) out += (i ? ", " : "") + d.any_order[g][i];
      out += "]";
    }
    out += "]\n";
  }
  std::string policy;
  if (!d.proxy_record_routes) policy += "record_route: false";
  if (!d.waive.empty()) {
    for (const std::string& why : d.waive_why) out += "# waived: " + why + "\n";
    policy += std::string(policy.empty() ? "" : ", ") + "waive: [";
    for (std::size_t i = 0; i < d.waive.size(); ++i) policy += (i ? ", " : "") + d.waive[i];
    policy += "]";
  }
  if (!policy.empty()) out += "policy: {" + policy + "}\n";
  out += "steps:\n";
  for (const DraftStep& s : d.steps) {
    std::string line = "  - {id: " + s.id + ", from: " + s.from + ", to: " + s.to + ", " +
                       (s.request ? "request: " + s.method : "response: " + std::to_string(s.status));
    if (!s.answers.empty()) line += ", answers: " + s.answers;
    if (!s.dialog.empty()) line += ", dialog: " + s.dialog;
    if (!s.forwards.empty()) line += ", forwards: " + s.forwards;
    if (!s.headers.empty()) {
      line += ", headers: {";
      // One key per header name: a second expectation on the same header is merged into a
      // list-free form by keeping the first (YAML keys are unique).
      std::vector<std::string> names;
      bool first = true;
      for (const DraftHeader& h : s.headers) {
        if (std::find(names.begin(), names.end(), h.name) != names.end()) continue;
        names.push_back(h.name);
        line += (first ? "" : ", ") + h.name + ": " + h.yaml;
        first = false;
      }
      line += "}";
    }
    if (!s.content_type.empty()) {
      line += ", body: {content_type: " + s.content_type;
      if (!s.sdp_direction.empty()) line += ", sdp: {lines: ['" + s.sdp_direction + "']}";
      line += "}";
    }
    out += line + "}  # frame " + std::to_string(s.frame) + "\n";
  }
  return out;
}

}  // namespace ladder::draft
