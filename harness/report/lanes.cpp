#include "report/lanes.h"

#include <algorithm>

namespace ladder::report {

std::vector<std::string> lane_order(const scenario::Scenario& scenario) {
  std::vector<std::string> out;
  auto add = [&](const std::string& id) {
    if (std::find(out.begin(), out.end(), id) == out.end()) out.push_back(id);
  };
  for (const scenario::Step& st : scenario.steps) {
    add(st.from);
    add(st.to);
  }
  for (const scenario::Role& r : scenario.roles) add(r.id);
  return out;
}

Lanes::Lanes(std::vector<std::string> titles, std::size_t gap)
    : titles_(std::move(titles)), gap_(gap), width_((titles_.size() - 1) * gap + 1) {}

std::string Lanes::title_row() const {
  std::string row(width_ + gap_, ' ');
  // Each title starts right above its lane's '|'.
  for (std::size_t i = 0; i < titles_.size(); ++i) {
    std::size_t x = i * gap_;
    if (x + titles_[i].size() > row.size()) row.resize(x + titles_[i].size(), ' ');
    row.replace(x, titles_[i].size(), titles_[i]);
  }
  while (!row.empty() && row.back() == ' ') row.pop_back();
  return row;
}

std::string Lanes::blank() const {
  std::string row(width_, ' ');
  for (std::size_t i = 0; i < titles_.size(); ++i) row[i * gap_] = '|';
  return row;
}

std::string Lanes::arrow(std::size_t from, std::size_t to, const std::string& label) const {
  std::string row = blank();
  if (from == to) {  // a message to itself: mark the lane, label beside it
    std::size_t x = from * gap_;
    std::string text = "@ " + label;
    std::size_t n = std::min(text.size(), row.size() - x);
    row.replace(x, n, text, 0, n);
    return row;
  }
  std::size_t lo = std::min(from, to) * gap_;
  std::size_t hi = std::max(from, to) * gap_;
  for (std::size_t x = lo + 1; x < hi; ++x) row[x] = '-';
  if (to > from) row[hi - 1] = '>';
  else row[lo + 1] = '<';
  std::size_t room = hi - lo - 5;  // keep two dashes and the head on each side
  std::string text = label.size() > room ? label.substr(0, room) : label;
  std::size_t start = lo + 1 + (hi - lo - 1 - text.size()) / 2;
  row.replace(start, text.size(), text);
  return row;
}

}  // namespace ladder::report
