// The grace period a container gets when the kubelet kills it (§6.3; kuberuntime_container.go
// setTerminationGracePeriod and killContainer), and the kill reasons that select it.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/pod.h"
#include "base/clock.h"

namespace probelet::kubelet {

// Why a container is killed (the kubelet's containerKillReason).
enum class KillReason {
  kUnknown,        // pod stop, restart policy, definition change, anything but a probe
  kLivenessProbe,  // "LivenessProbe"
  kStartupProbe,   // "StartupProbe"
};
std::string_view ToString(KillReason reason);

// The kubelet's minimumGracePeriodInSeconds.
inline constexpr int64_t kMinimumGracePeriodSeconds = 2;

// setTerminationGracePeriod (§6.3.1, T50): the pod's deletionGracePeriodSeconds if set; else,
// when the pod sets terminationGracePeriodSeconds, the failing probe's own
// terminationGracePeriodSeconds if it has one (even when larger than the pod's), otherwise the
// pod's; else the 2 s minimum.
int64_t TerminationGracePeriodSeconds(const api::Pod& pod, const api::Container& container,
                                      KillReason reason);

// killContainer (§6.3.4-6.3.5): what is left for SIGTERM -> SIGKILL after a preStop hook took
// `pre_stop_took` out of `grace_seconds`, raised to the 2 s minimum.
base::Duration GraceAfterPreStop(int64_t grace_seconds, base::Duration pre_stop_took);

}  // namespace probelet::kubelet
