// The scenario library for `ladder list`.
#include "scenario/list.h"

#include <algorithm>

#include "scenario/loader_internal.h"

namespace ladder::scenario {

namespace {

bool is_yaml(const std::filesystem::path& p) {
  return p.extension() == ".yaml" || p.extension() == ".yml";
}

// Ladders have `steps:`; testbeds and other YAML beside them do not and are skipped. A file that
// is not even YAML is listed as invalid so the user hears about it.
bool looks_like_ladder(const std::string& text) {
  std::optional<detail::YamlError> error;
  detail::Document doc = detail::Document::parse(text, &error);
  if (error) return true;
  detail::Node root = doc.root();
  for (std::size_t i = 0; i < root.size() && root.is_map(); ++i) {
    if (root.key_at(i).is_scalar() && root.key_at(i).scalar() == "steps") return true;
  }
  return false;
}

}  // namespace

ListResult list_scenarios(const std::filesystem::path& dir) {
  ListResult out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file() && is_yaml(it->path())) files.push_back(it->path());
  }
  if (ec) {
    out.diagnostics.push_back(
        {core::Severity::error, dir.string(), "cannot list: " + ec.message()});
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::string error;
    auto text = detail::read_file(path.string(), &error);
    if (!text) {
      out.diagnostics.push_back({core::Severity::error, path.string(), error});
      continue;
    }
    if (!looks_like_ladder(*text)) continue;
    LoadResult r = load_scenario_text(*text, path.string());
    ScenarioInfo info;
    info.path = path;
    info.valid = r.ok();
    if (r.ok()) {
      info.name = r.scenario->name;
      info.summary = r.scenario->summary;
      info.tags = r.scenario->tags;
    } else {
      info.name = path.stem().string();
    }
    for (auto& d : r.diagnostics) out.diagnostics.push_back(std::move(d));
    out.scenarios.push_back(std::move(info));
  }
  return out;
}

}  // namespace ladder::scenario
