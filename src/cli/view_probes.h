// The probe history views (issue 14), from the agent's /probes JSON (server/probe_api.h):
//   `probelet probes [POD]`: a table of probe workers, aligned as `kubectl get` aligns;
//   `probelet describe pod`: under each container, each probe's last attempts with their
//   threshold state, appended after the container's kubectl lines so those stay as kubectl
//   prints them.
//
// Pure functions; any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "api/time.h"

namespace probelet::cli {

// `workers`: the "items" of a ProbeWorkerList. Columns: [NAMESPACE] POD CONTAINER TYPE RESULT
// STATE LAST PROBE (age) LAST RESULT OUTPUT (the last output's first line, cut).
std::string ProbesTable(const nlohmann::json& workers, api::Time now, bool with_namespace);

// Tabwriter input (describe's two-space levels, from level 2) for `container`'s workers in
// `workers` (a ProbeWorkerList's items fetched with attempts=N): per probe type a title line
// "Liveness History (last 5 of 37):" then a header and one line per attempt, newest last:
// START DURATION RESULT STATE CACHED OUTPUT. "" when the container has no worker or no
// attempt yet.
std::string ProbeHistoryText(const nlohmann::json& workers, std::string_view container);

// An output on one line for a table cell: newlines as spaces, at most `max` code points
// ("..." marks a cut).
std::string OneLine(std::string_view output, size_t max);

}  // namespace probelet::cli
