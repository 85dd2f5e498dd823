// Parsing a subcommand's arguments with CLI11, the same way for every command: help on stdout
// with exit 0; a usage error on stderr as "probelet CMD: <CLI11's message, which names the flag
// or argument>", then the command's help, with exit 2. Parsing prints nothing itself: it returns
// what to print, so tests check the text and the exit code without a process.
//
// Called on the main thread; pure apart from what CLI11 stores in the app's bound variables.
#pragma once

#include <optional>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/commands.h"

namespace probelet::cli {

// What a command prints and its exit code (when parsing ends it, or a command's whole result).
struct CommandOutput {
  int code = 0;
  std::string out;  // for stdout
  std::string err;  // for stderr
};

// Parses `args` (args[0] is the subcommand's name, e.g. "run") into `app`'s bound variables;
// nullopt when the command should go on.
std::optional<CommandOutput> ParseCommandLine(CLI::App& app, const Args& args);

// Prints `output` to stdout and stderr and returns its code.
int Emit(const CommandOutput& output);

// Opens the app's help with `usage` (our own usage lines, as the README shows them) instead of
// CLI11's generated "Usage:" line.
void SetUsage(CLI::App& app, std::string usage);

}  // namespace probelet::cli
