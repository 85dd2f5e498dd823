// The parts of `probelet validate` that tests call without a process: parsing its arguments
// and turning a load result into the command's output and exit code.
//
// Pure functions; called on the main thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/manifest_loader.h"
#include "cli/command_line.h"

namespace probelet::cli {

// `probelet validate FILE_OR_DIR... [--container-runtime-endpoint ENDPOINT]` ("-" is standard
// input; after "--" every argument is a path): the paths and the rules to validate with (those
// of the CRI runtime when an endpoint is given, as `probelet run` would; it is not contacted),
// or the help / usage error to print.
std::optional<CommandOutput> ParseValidateArgs(const Args& args, std::vector<std::string>& paths,
                                               api::ValidationOptions& validation);
std::optional<CommandOutput> ParseValidateArgs(const Args& args, std::vector<std::string>& paths);

// One line per warning or error on stdout, the summary on stderr; exit 0 when every pod is
// valid (warnings allowed), 1 on any error, 2 when a file could not be read.
CommandOutput ValidateOutput(const api::LoadResult& result);

}  // namespace probelet::cli
