// Pod conditions as the kubelet generates them (pkg/kubelet/status/generate.go, §6.12):
// Initialized, Ready (with readiness gates), ContainersReady and PodScheduled, plus the status
// manager's rule that lastTransitionTime moves only when a condition's status flips.
//
// `statuses` is the combined list of init and regular container statuses (the kubelet's
// allContainerStatuses); nullptr stands for Go's nil list (no statuses known yet), which is not
// the same as an empty one (T47, T49).
//
// Pure functions on value types; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "api/pod.h"
#include "api/pod_status.h"
#include "api/time.h"

namespace probelet::kubelet {

inline constexpr std::string_view kPodScheduled = "PodScheduled";
inline constexpr std::string_view kPodInitialized = "Initialized";
inline constexpr std::string_view kContainersReady = "ContainersReady";
inline constexpr std::string_view kPodReady = "Ready";

inline constexpr std::string_view kReasonUnknownContainerStatuses = "UnknownContainerStatuses";
inline constexpr std::string_view kReasonPodCompleted = "PodCompleted";
inline constexpr std::string_view kReasonPodFailed = "PodFailed";
inline constexpr std::string_view kReasonContainersNotReady = "ContainersNotReady";
inline constexpr std::string_view kReasonContainersNotInitialized = "ContainersNotInitialized";
inline constexpr std::string_view kReasonReadinessGatesNotReady = "ReadinessGatesNotReady";

// generate.go GenerateContainersReadyCondition (§6.12.1): nil statuses -> False
// UnknownContainerStatuses; Succeeded with every container known -> False PodCompleted; Failed
// -> False PodFailed; else sidecars then regular containers must all have a status and be Ready
// (False ContainersNotReady, listing the unknown and unready ones).
api::PodCondition GenerateContainersReadyCondition(
    const api::PodSpec& spec, const std::vector<api::ContainerStatus>* statuses,
    std::string_view phase);

// generate.go GeneratePodReadyCondition (§6.12.2): ContainersReady's status, reason and message
// if it is not True; then every readiness gate's condition (looked up in `conditions`, the pod's
// current conditions) must be True, else False ReadinessGatesNotReady.
api::PodCondition GeneratePodReadyCondition(const api::PodSpec& spec,
                                            const std::vector<api::PodCondition>& conditions,
                                            const std::vector<api::ContainerStatus>* statuses,
                                            std::string_view phase);

// generate.go GeneratePodInitializedCondition (§6.12.3): regular init containers Ready (exited
// 0) and sidecars Started, or any regular container already started
// (HasAnyRegularContainerStarted); else False ContainersNotInitialized.
api::PodCondition GeneratePodInitializedCondition(const api::PodSpec& spec,
                                                  const std::vector<api::ContainerStatus>* statuses,
                                                  std::string_view phase);

// The kubelet's HasAnyRegularContainerStarted: a regular container running or terminated.
bool HasAnyRegularContainerStarted(const api::PodSpec& spec,
                                   const std::vector<api::ContainerStatus>& statuses);

// init + regular statuses, in that order (allContainerStatuses).
std::vector<api::ContainerStatus> AllContainerStatuses(const api::PodStatus& status);

// Regenerates the four kubelet-owned conditions of `status` (in the kubelet's order:
// Initialized, Ready, ContainersReady, PodScheduled) from its container statuses and phase,
// keeping every other condition (readiness gates set from outside) as it is. Each condition's
// lastTransitionTime is taken from `old` when its status did not change, else set to `now`
// (the status manager's updateLastTransitionTime).
void GeneratePodConditions(const api::PodSpec& spec, const api::PodStatus& old,
                           api::PodStatus& status, api::Time now);

// Sets only Ready and ContainersReady (what SetContainerReadiness recomputes, §6.9.2),
// replacing them in place or appending them; lastTransitionTime as above.
void UpdateReadinessConditions(const api::PodSpec& spec, const api::PodStatus& old,
                               api::PodStatus& status, api::Time now);

// The condition of `type` in `conditions`, or nullptr.
const api::PodCondition* FindCondition(const std::vector<api::PodCondition>& conditions,
                                       std::string_view type);

}  // namespace probelet::kubelet
