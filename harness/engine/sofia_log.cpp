#include "engine/sofia.h"
// sofia.h first (magic types)
#include "engine/sofia_log.h"

#include <sofia-sip/su_log.h>

#include <cctype>
#include <cstdarg>
#include <mutex>
#include <regex>

// Exported by libsofia-sip-ua but declared in no public header.
extern "C" {
extern su_log_t tport_log[];
extern su_log_t nta_log[];
extern su_log_t nua_log[];
extern su_log_t nea_log[];
extern su_log_t sresolv_log[];
extern su_log_t soa_log[];
}

namespace ladder::engine {
namespace {

su_log_t* const kLogs[] = {su_log_default, su_log_global, tport_log, nta_log,
                           nua_log,        soa_log,       nea_log,   sresolv_log};

void write(void* stream, char const* fmt, va_list ap) {
  char buf[1024];
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  static_cast<SofiaLog*>(stream)->line(buf);
}

}  // namespace

SofiaLog::SofiaLog(const std::string& path) {
  if (!path.empty()) file_ = std::fopen(path.c_str(), "a");
  for (su_log_t* log : kLogs) su_log_redirect(log, write, this);
  // The transaction layer reports a refused send at level 3: keep it at least there.
  if (nta_log->log_level < 3) su_log_set_level(nta_log, 3);
}

SofiaLog::~SofiaLog() {
  for (su_log_t* log : kLogs) su_log_redirect(log, nullptr, nullptr);
  if (!pending_.empty()) line("\n");
  if (file_ != nullptr) std::fclose(file_);
}

void SofiaLog::line(const char* text) {
  std::lock_guard lock(mutex_);  // load mode: several engines' threads log
  pending_ += text;
  std::size_t nl;
  while ((nl = pending_.find('\n')) != std::string::npos) {
    std::string l = pending_.substr(0, nl);
    pending_.erase(0, nl + 1);
    if (file_ != nullptr) {
      std::fputs(l.c_str(), file_);
      std::fputc('\n', file_);
      std::fflush(file_);
    }
    // nta: REGISTER (1001253871): Connection refused (111) with udp/[127.0.0.1]:44820
    static const std::regex refused(
        R"(^nta: \w+ \(\d+\): (.+) \(\d+\) with (\w+)/\[?([^\]\s]+?)\]?:(\d+)\s*$)");
    std::smatch m;
    if (l.rfind("nta: ", 0) == 0 && std::regex_match(l, m, refused)) {
      auto at = core::Endpoint::parse(
          (m[3].str().find(':') != std::string::npos ? "[" + m[3].str() + "]" : m[3].str()) + ":" +
          m[4].str());
      if (at) {
        std::string reason = m[1];
        for (char& c : reason) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        error_ = TransportError{reason, *at, m[2]};
      }
    }
  }
}

}  // namespace ladder::engine
