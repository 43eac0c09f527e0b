// Private: a private directory for the transport dumps (TPTAG_DUMP), removed at the end
// (kept when LADDER_ENGINE_KEEP_DUMPS is set, for debugging).
#pragma once

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ladder::engine {

/// A private directory for the transport dumps, removed at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ladder-engine-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    if (!path_.empty() && !std::getenv("LADDER_ENGINE_KEEP_DUMPS"))
      std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace ladder::engine
