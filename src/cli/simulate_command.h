// The parts of `probelet simulate` that tests call without a process: parsing its arguments and
// turning loaded manifests and a scenario text into the command's output and exit code.
//
// Pure functions apart from CPU; called on the main thread.
#pragma once

#include <optional>
#include <string>

#include "api/manifest_loader.h"
#include "cli/command_line.h"
#include "sim/simulation.h"

namespace probelet::cli {

struct SimulateArgs {
  std::string manifest;            // FILE (or directory) of pods
  std::string scenario;            // --scenario FILE
  sim::SimulationOptions options;  // --duration, --seed, --no-timeline
  bool json = false;               // -o json
};

// `probelet simulate FILE --scenario FILE [--duration 30m] [--seed N] [-o text|json]
// [--no-timeline]`: the arguments, or the help / usage error to print (exit 2).
std::optional<CommandOutput> ParseSimulateArgs(const Args& args, SimulateArgs& out);

// Simulates `loaded` with the scenario `scenario_text` (read from `scenario_source`). Exit 0 with
// the report on stdout; 1 for invalid manifests (printed as `probelet validate` prints them), an
// invalid scenario or one naming a container no pod has (stderr); 2 when the manifest could not
// be read.
CommandOutput SimulateOutput(const api::LoadResult& loaded, std::string_view scenario_text,
                             std::string_view scenario_source, const SimulateArgs& args);

}  // namespace probelet::cli
