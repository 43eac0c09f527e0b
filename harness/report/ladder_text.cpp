#include <algorithm>
#include <cstdio>
#include <map>
#include <string>

#include "report/lanes.h"
#include "report/report.h"

namespace ladder::report {
namespace {

std::string short_id(const std::string& call_id) {
  return call_id.size() <= 12 ? call_id : call_id.substr(0, 12);
}

std::string marks(const trace::Record& r) {
  std::string out;
  if (r.retransmission) out += "  [retransmission of frame " + std::to_string(r.retransmission_of) + "]";
  if (r.malformed) out += "  [malformed: " + r.problem + "]";
  if (r.transport != core::Transport::udp) out += "  [" + std::string(core::to_string(r.transport)) + "]";
  return out;
}

std::string details(const trace::Record& r) {
  std::string out = "CSeq " + std::to_string(r.cseq) + " " + r.cseq_method;
  out += "  call " + short_id(r.call_id);
  if (r.is_request && !r.uri.empty()) out += "  " + r.uri;
  return out + marks(r);
}

std::string prefix(const trace::Record& r, core::TimeNs origin) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%7llu  %11s  ", static_cast<unsigned long long>(r.frame),
                core::format_seconds(r.time - origin).c_str());
  return buf;
}

std::string render_lanes(const std::vector<trace::Record>& records,
                         const std::vector<core::Endpoint>& lanes, const LadderOptions& o) {
  std::map<core::Endpoint, std::size_t> lane_of;
  for (std::size_t i = 0; i < lanes.size(); ++i) lane_of[lanes[i]] = i;
  // Lane titles: the endpoint itself when it fits, else a short name with a legend.
  bool fits = std::all_of(lanes.begin(), lanes.end(), [&](const core::Endpoint& e) {
    return e.to_string().size() < o.lane_gap - 1;
  });
  std::string out;
  std::vector<std::string> titles;
  for (std::size_t i = 0; i < lanes.size(); ++i) {
    std::string name = fits ? lanes[i].to_string() : "e" + std::to_string(i + 1);
    if (!fits) out += "  " + name + " = " + lanes[i].to_string() + "\n";
    titles.push_back(name);
  }
  Lanes drawing(titles, o.lane_gap);
  out += "  frame         time  " + drawing.title_row() + "\n";
  for (const trace::Record& r : records) {
    out += prefix(r, o.origin) + drawing.arrow(lane_of[r.src], lane_of[r.dst], r.label()) + "  " +
           details(r) + "\n";
  }
  return out;
}

std::string render_lines(const std::vector<trace::Record>& records, const LadderOptions& o) {
  std::string out = "  frame         time  source -> destination  message\n";
  for (const trace::Record& r : records) {
    out += prefix(r, o.origin) + r.src.to_string() + " -> " + r.dst.to_string() + "  " +
           r.label() + "  " + details(r) + "\n";
  }
  return out;
}

}  // namespace

std::string render_ladder(const std::vector<trace::Record>& records, const LadderOptions& options) {
  if (records.empty()) return "";
  std::vector<core::Endpoint> lanes;
  auto add = [&lanes](const core::Endpoint& e) {
    if (std::find(lanes.begin(), lanes.end(), e) == lanes.end()) lanes.push_back(e);
  };
  for (const trace::Record& r : records) {
    add(r.src);
    add(r.dst);
  }
  if (lanes.size() > options.max_lanes || lanes.size() < 2) return render_lines(records, options);
  // Wide enough for the longest label ("183 Session Progress"), within reason.
  LadderOptions o = options;
  std::size_t longest = 0;
  for (const trace::Record& r : records) longest = std::max(longest, r.label().size());
  o.lane_gap = std::clamp(longest + 6, options.lane_gap, std::size_t{32});
  return render_lanes(records, lanes, o);
}

std::string render_calls(const std::vector<trace::CallSummary>& calls, core::TimeNs origin) {
  std::string out = "  first frame        start     duration  msgs  retr  method     final  call-id\n";
  char buf[160];
  for (const trace::CallSummary& c : calls) {
    std::string status = c.final_status ? std::to_string(c.final_status) : "-";
    std::snprintf(buf, sizeof buf, "  %11llu  %11s  %11s  %4llu  %4llu  %-9s  %5s  ",
                  static_cast<unsigned long long>(c.first_frame),
                  core::format_seconds(c.first_time - origin).c_str(),
                  core::format_seconds(c.last_time - c.first_time).c_str(),
                  static_cast<unsigned long long>(c.messages),
                  static_cast<unsigned long long>(c.retransmissions),
                  c.method.empty() ? "-" : c.method.c_str(), status.c_str());
    out += buf + (c.call_id.empty() ? std::string("(no Call-ID)") : c.call_id) + "\n";
  }
  return out;
}

std::string render_stats(const capture::DecodeStats& s) {
  std::string out = std::to_string(s.sip_messages) + " SIP messages in " +
                    std::to_string(s.frames) + " frames";
  std::string skipped;
  auto add = [&skipped](std::uint64_t n, const char* what) {
    if (n == 0) return;
    skipped += (skipped.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  add(s.non_sip_payloads, "non-SIP payloads");
  add(s.keepalives, "keep-alives");
  add(s.non_ip_frames, "non-IP frames");
  add(s.other_protocols, "other IP protocols");
  add(s.damaged_frames, "damaged frames");
  if (!skipped.empty()) out += "; skipped: " + skipped;
  std::string notes;
  auto note = [&notes](std::uint64_t n, const char* what) {
    if (n == 0) return;
    notes += (notes.empty() ? "" : ", ") + std::to_string(n) + " " + what;
  };
  note(s.reassembled, "datagrams reassembled from fragments");
  note(s.tcp_retransmissions, "TCP retransmissions");
  note(s.tcp_gaps, "TCP gaps");
  if (!notes.empty()) out += "; " + notes;
  return out + "\n";
}

}  // namespace ladder::report
