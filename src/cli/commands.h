// The subcommands of the probelet binary. Each takes the arguments after its name
// (args[0] is the subcommand's own name, e.g. "probe") and returns the process exit code.
// main.cc only dispatches; every command lives in its own file.
//
// Called once, on the main thread.
#pragma once

#include <string>
#include <vector>

namespace probelet::cli {

using Args = std::vector<std::string>;

int ProbeMain(const Args& args);     // probe_command.cc: `probelet probe http|tcp|grpc|exec`
int ValidateMain(const Args& args);  // validate_command.cc: `probelet validate FILE...`
int LintMain(const Args& args);      // lint_command.cc: `probelet lint FILE_OR_DIR...`
int SimulateMain(const Args& args);  // simulate_command.cc: `probelet simulate FILE`
int RunMain(const Args& args);       // run_command.cc: `probelet run FILE_OR_DIR...`
int GetMain(const Args& args);       // view_commands.cc: `probelet get pods|events`
int DescribeMain(const Args& args);  // view_commands.cc: `probelet describe pod NAME`
int LogsMain(const Args& args);      // view_commands.cc: `probelet logs POD [-c C]`

}  // namespace probelet::cli
