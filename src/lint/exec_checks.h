// The checks on exec probes (docs/lint.md). An exec probe's attempt lasts until the command
// exits and its output closes, or until timeoutSeconds, when it fails:
// PL007 a shell script that backgrounds a process (an `&` outside quotes, not `&&` nor a
// redirection, and no `wait` after it): the process keeps the output open, so every attempt
// runs into its timeout; PL008 a `sleep` (the command itself, or in a shell script) of at least
// timeoutSeconds.
//
// The shell is recognised by name (sh, bash, dash, ash, ksh, zsh, busybox sh) with `-c` in its
// options; the script is read with quotes, backslashes and comments, not fully parsed.
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lint/check_context.h"
#include "lint/finding.h"

namespace probelet::lint {

// The script that `command` runs through a shell (`sh -c SCRIPT`), or nullopt.
std::optional<std::string> ShellScript(const std::vector<std::string>& command);

// True when `script` leaves a process in the background (see above).
bool BackgroundsProcess(std::string_view script);

// The seconds of the longest `sleep` the script runs (GNU sleep sums its arguments; suffixes s,
// m, h, d; `infinity` is a very large number), or nullopt when it runs none.
std::optional<double> LongestSleepSeconds(std::string_view script);

std::vector<Finding> CheckExecProbes(const ContainerContext& context);

}  // namespace probelet::lint
