// Private: a private directory for the transport dumps (TPTAG_DUMP), removed at the end
// (kept when LADDER_ENGINE_KEEP_DUMPS is set, for debugging).
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace ladder::engine {

/// A private directory for the transport dumps, removed at the end: in /dev/shm when it is
/// there (memory, as the dumps only carry messages from the stack to the engine and are emptied
/// as they are read; on a disk file system each write and truncation also goes through the
/// journal, a tenth of a load run's engine time on ext4), else in TMPDIR or /tmp.
class TempDir {
 public:
  TempDir() {
    std::error_code ec;
    std::filesystem::path base = "/dev/shm";
    if (!std::filesystem::is_directory(base, ec) || ::access(base.c_str(), W_OK | X_OK) != 0) {
      base = std::filesystem::temp_directory_path(ec);
    }
    std::string tmpl = (base / "ladder-engine-XXXXXX").string();
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
