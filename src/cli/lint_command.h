// The parts of `probelet lint` that tests call without a process: parsing its arguments and
// turning a load (api::LoadPods) into the command's output and exit code.
//
// Pure functions; called on the main thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/manifest_loader.h"
#include "cli/command_line.h"
#include "lint/linter.h"
#include "lint/source_lines.h"

namespace probelet::cli {

struct LintArgs {
  std::vector<std::string> paths;  // files or directories; "-" (alone) is standard input
  lint::LintOptions options;       // --disable CODE,...
  bool json = false;               // -o json
};

// `probelet lint FILE_OR_DIR... [--disable CODE,...] [-o text|json]`: the arguments, or the
// help / usage error to print (exit 2 for an unknown code, or "-" among other paths).
std::optional<CommandOutput> ParseLintArgs(const Args& args, LintArgs& out);

// Lints `loaded` (whose files `lines` has indexed): the validation diagnostics as `probelet
// validate` prints them, then one line per finding on stdout (or JSON), a summary on stderr
// (text only). Exit 2 when a file could not be read, 1 on any validation error or warning or any
// warning finding, else 0 (infos allowed).
CommandOutput LintOutput(const api::LoadResult& loaded, const lint::SourceLines& lines,
                         const LintArgs& args);

}  // namespace probelet::cli
