// The parts of `probelet run` that tests call without a process: its flags and the fields of
// the log line each event is printed as.
//
// Pure functions; called on the main thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/event.h"
#include "cli/command_line.h"

namespace probelet::cli {

struct RunFlags {
  std::vector<std::string> paths;
  std::string state_dir;                // DefaultStateDir() when not given
  std::string api = "127.0.0.1:10255";  // "none" or "": no API
  bool api_allow_remote = false;        // serve the API on a non-loopback address too
  bool json = false;                    // --log-format json
};

// $XDG_RUNTIME_DIR/probelet, else /var/lib/probelet as root, else /tmp/probelet-<uid>.
std::string DefaultStateDir();

// `probelet run FILE_OR_DIR... [--state-dir DIR] [--api ADDR] [--api-allow-remote]
// [--log-format text|json]`: fills `flags`, or returns the help / usage error to print.
std::optional<CommandOutput> ParseRunFlags(const Args& args, RunFlags& flags);

// The key=value fields of an event's log line: pod (namespace/name), container (from the field
// path "spec.containers{web}"), reason, and count when the event repeated.
std::vector<std::pair<std::string, std::string>> EventLogFields(const api::Event& event);

}  // namespace probelet::cli
