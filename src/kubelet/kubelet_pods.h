// A pod's API status from what its pod worker knows, the part of the kubelet's kubelet_pods.go
// probelet has:
//  - ConvertToAPIContainerStatus (convertToAPIContainerStatuses, for one container): the newest
//    instance gives the state, the one before it the lastState; a container waiting for a start
//    (CrashLoopBackOff, ...) is Waiting with that reason and its last run in lastState;
//  - GenerateAPIPodStatus (generateAPIPodStatus): host and pod IPs, start time, the container
//    statuses, the phase (pod_phase.h; a terminal phase sticks), Started and Ready from the
//    prober manager's UpdatePodStatus (§6.6-6.8), then the conditions (status_generation.h).
//
// Thread safety: event loop thread only (reads the runtime, asks the prober manager).
// Ownership: nothing is kept past a call.
#pragma once

#include <optional>
#include <string_view>

#include "api/pod.h"
#include "api/pod_status.h"
#include "api/time.h"
#include "kubelet/container_record.h"
#include "prober/prober_manager.h"
#include "runtime/runtime.h"

namespace probelet::kubelet {

// The API state of a container instance as the runtime reports it.
api::ContainerState ToAPIContainerState(const runtime::ContainerStatus& status);

// One container's status. `old` is its status in the previous pod status (or null): it gives
// the restart count and lastState while the container has no instance.
api::ContainerStatus ConvertToAPIContainerStatus(const ContainerRecord& record,
                                                 const runtime::Runtime& runtime,
                                                 bool has_init_containers,
                                                 const api::ContainerStatus* old);

// What generateAPIPodStatus reads besides the records.
struct PodStatusInputs {
  std::string_view pod_ip;   // "" until the pod's sandbox runs
  std::string_view host_ip;  // the node's
  std::optional<api::Time> start_time;
  bool pod_done = false;     // every container stopped for good (the pod worker's done())
  bool initialized = false;  // a regular container has started at some point
  api::Time now{};           // for the conditions' lastTransitionTime
};

// The pod's status; `old` is the status manager's current one (null when none).
api::PodStatus GenerateAPIPodStatus(const api::Pod& pod, const ContainerRecords& records,
                                    const runtime::Runtime& runtime, prober::ProberManager& probers,
                                    const api::PodStatus* old, const PodStatusInputs& inputs);

}  // namespace probelet::kubelet
