// The pod phase as the kubelet computes it (kubelet_pods.go getPhase, 1.35): Pending until
// every regular init container has finished and (before the pod first initialized) every sidecar
// has started; Running while a container runs; Succeeded or Failed once every regular container
// has terminated and none will restart. Readiness never changes the phase (§6.12.4).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/pod.h"
#include "api/pod_status.h"

namespace probelet::kubelet {

// `statuses`: init and regular container statuses together. `pod_is_terminal`: the pod worker
// has decided nothing will restart (its containers are all stopped for good).
// `pod_has_initialized`: a regular container has run at some point.
std::string GetPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& statuses,
                     bool pod_is_terminal, bool pod_has_initialized);

}  // namespace probelet::kubelet
