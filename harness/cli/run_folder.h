// `ladder run DIR --testbed T [--tag X]... [--shard I/N]`: the CLI half of a folder run.
// CLI-private.
#pragma once

#include <string>

#include "usecase/folder.h"

namespace ladder::cli {

struct FolderArgs {
  usecase::FolderRequest request;
  std::string json;   ///< every verdict as a JSON array
  std::string junit;  ///< one <testsuite> per ladder file
};

/// Runs the folder, prints each verdict and one summary at the end, writes the files asked for.
/// Returns the exit code: the worst of the ladders'.
int run_folder(const FolderArgs& args, const usecase::Hooks& hooks);

}  // namespace ladder::cli
