// Restart-policy decisions (§3.6.3, §6.2.2, §6.4): whether a container that exited, or is being
// killed, is started again. probelet follows the 1.35 defaults (ContainerRestartRules on): a
// regular container's own restartPolicy overrides the pod's. (restartPolicyRules, the exit-code
// rules, are not in probelet's API subset.)
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>

#include "api/pod.h"

namespace probelet::kubelet {

// The kubelet's shouldRestartOnFailure, with the container-level override of §6.2.2: restart
// after a kill unless the effective policy is Never. `container` may be null (pod-level only).
bool ShouldRestartOnFailure(const api::Pod& pod, const api::Container* container = nullptr);

// pkg/api/v1/pod ContainerShouldRestart (§3.6.3): for a container that exited with `exit_code`.
// Always -> true, OnFailure -> exit_code != 0, Never -> false; an unknown or empty pod policy
// -> true. The container's own policy, when set on a regular container, wins.
bool ContainerShouldRestart(const api::Container& container, const api::PodSpec& spec,
                            int32_t exit_code);

}  // namespace probelet::kubelet
