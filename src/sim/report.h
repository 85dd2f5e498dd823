// The output of `probelet simulate`: the timeline then the summary per pod, as text or JSON.
//
// Text: one line per entry, `T+MM:SS.mmm  REASON  NAMESPACE/POD[/CONTAINER]  MESSAGE` (hours
// as T+HH:MM:SS.mmm once the run is an hour or longer), then a table per pod: restarts, time to
// first Ready, fraction of time Ready, longest span not Ready, and the state at the end
// (CrashLoopBackOff and the containers in it, or the phase).
// JSON: {"durationSeconds", "seed", "eventCount", "timeline": [{"at", "atSeconds", "pod",
// "container", "type", "reason", "message"}], "pods": [{"pod", "restarts",
// "firstReadySeconds" (null: never), "readyFraction", "longestNotReadySeconds", "crashLoop",
// "phase", "containers": [{"name", "restarts", "ready", "state", "reason"}]}]}.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "sim/simulation.h"

namespace probelet::sim {

// "T+00:12.000", or "T+01:00:12.000" with `hours`.
std::string FormatOffset(base::Duration at, bool hours);

std::string FormatText(const SimulationResult& result);
std::string FormatJson(const SimulationResult& result, uint64_t seed);

}  // namespace probelet::sim
