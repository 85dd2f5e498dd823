// Restart-policy decisions of kuberuntime (§6.2.2, §6.4): whether a container being killed is
// started again. probelet follows the 1.35 defaults (ContainerRestartRules on): a regular
// container's own restartPolicy overrides the pod's. (restartPolicyRules, the exit-code rules,
// are not in probelet's API subset.) Whether a container that exited is started again is the
// API's ContainerShouldRestart (api/pod_helpers.h), shared with the prober.
//
// Pure functions; thread-safe.
#pragma once

#include "api/pod.h"

namespace probelet::kubelet {

// The kubelet's shouldRestartOnFailure, with the container-level override of §6.2.2: restart
// after a kill unless the effective policy is Never. `container` may be null (pod-level only).
bool ShouldRestartOnFailure(const api::Pod& pod, const api::Container* container = nullptr);

}  // namespace probelet::kubelet
