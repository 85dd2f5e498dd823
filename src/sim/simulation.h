// Simulate: runs pods for a while of virtual time on the real kubelet engine (Kubelet, pod
// workers, restart policy, CrashLoopBackOff, the ProberManager and its workers, the status
// manager) over a ScriptedRuntime and ScriptedProbers that behave as a Scenario says, and
// returns what the kubelet did: every event it recorded and every transition of the pods' Ready
// condition, in order, then a summary per pod (`probelet simulate`, issue 15 part 2).
//
// The engine is the same code `probelet run` runs; only the clock (a base::VirtualClock), the
// runtime and the probe handlers differ. The probe workers' random first offsets come from
// `seed`, so a run is reproducible.
//
// Pure apart from CPU: no I/O, no real time. Thread-safe (each call builds its own engine).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"
#include "base/expected.h"
#include "sim/scenario.h"

namespace probelet::sim {

struct SimulationOptions {
  base::Duration duration = std::chrono::minutes(30);
  uint64_t seed = 1;
  bool record_timeline = true;  // false: summaries only (long runs of many pods)
};

struct TimelineEntry {
  base::Duration at{};    // since the simulation started (the pods were added)
  std::string pod;        // namespace/name
  std::string container;  // "" for a pod-level entry
  std::string type;       // Normal | Warning
  std::string reason;     // the event's reason; "Ready" for a transition of the pod's Ready
  std::string message;
};

struct ContainerSummary {
  std::string name;
  int restarts = 0;
  bool ready = false;
  std::string state;   // running | waiting | terminated
  std::string reason;  // the waiting or terminated reason (CrashLoopBackOff, Error...)
};

struct PodSummary {
  std::string pod;  // namespace/name
  int restarts = 0;
  std::optional<base::Duration> first_ready;  // since the start; nullopt: never ready
  double ready_fraction = 0;                  // of the simulated duration
  base::Duration longest_not_ready{};         // the longest span with Ready != True
  bool crash_loop = false;                    // a container waits in CrashLoopBackOff at the end
  std::string phase;
  std::vector<ContainerSummary> containers;
};

struct SimulationResult {
  base::Duration duration{};
  std::vector<TimelineEntry> timeline;
  std::vector<PodSummary> pods;
  uint64_t events = 0;  // events recorded (also when the timeline is not kept)
};

// Errors: a scenario that names a container no pod has; more probes than ScriptedProbers holds.
// REQUIRES: the pods are decoded, defaulted and validated, with unique UIDs.
base::Expected<SimulationResult> Simulate(const std::vector<api::Pod>& pods,
                                          const Scenario& scenario,
                                          const SimulationOptions& options);

}  // namespace probelet::sim
