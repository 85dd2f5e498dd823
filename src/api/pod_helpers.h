// Pod helpers the kubelet keeps in its API packages, one implementation each for every stage:
//  - ContainerShouldRestart (pkg/api/v1/pod/util.go, §3.6.3): whether a container that exited
//    is started again. The prober worker asks it (keep probing a terminated container?) and
//    the kubelet asks it (start the container again?): one rule, one place.
//  - FormatPod (pkg/kubelet/util/format: format.Pod / format.PodDesc): "name_namespace(uid)",
//    how the kubelet names a pod in messages (CrashLoopBackOff, "missing probe handler").
//
// Pure functions on value types; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/pod.h"

namespace probelet::api {

// ContainerShouldRestart (§3.6.3) for a container that exited with `exit_code`, with the 1.35
// defaults (ContainerRestartRules on; restartPolicyRules are not in probelet's API subset).
// The container's own policy, when set and known, decides: Always -> true, OnFailure ->
// exit_code != 0, Never -> false. Otherwise (no container policy, or one the switch does not
// know) the pod's policy decides the same way, and an unknown or empty pod policy -> true
// (the pod default is Always).
bool ContainerShouldRestart(const std::optional<std::string>& container_restart_policy,
                            std::string_view pod_restart_policy, int32_t exit_code);
// The same, with the kubelet's arguments (container, pod spec, exit code).
bool ContainerShouldRestart(const Container& container, const PodSpec& spec, int32_t exit_code);

// format.PodDesc: "<name>_<namespace>(<uid>)".
std::string FormatPod(std::string_view name, std::string_view ns, std::string_view uid);
// format.Pod.
std::string FormatPod(const Pod& pod);

}  // namespace probelet::api
