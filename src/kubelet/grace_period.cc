#include "kubelet/grace_period.h"

#include <algorithm>

namespace probelet::kubelet {

std::string_view ToString(KillReason reason) {
  switch (reason) {
    case KillReason::kLivenessProbe:
      return "LivenessProbe";
    case KillReason::kStartupProbe:
      return "StartupProbe";
    case KillReason::kUnknown:
      break;
  }
  return "Unknown";
}

int64_t TerminationGracePeriodSeconds(const api::Pod& pod, const api::Container& container,
                                      KillReason reason) {
  if (pod.metadata.deletion_grace_period_seconds) {
    return *pod.metadata.deletion_grace_period_seconds;
  }
  if (!pod.spec.termination_grace_period_seconds) return kMinimumGracePeriodSeconds;
  // isProbeTerminationGracePeriodSecondsSet: the probe value wins even when larger than the
  // pod's (the kubelet only logs that case).
  if (reason == KillReason::kStartupProbe && container.startup_probe &&
      container.startup_probe->termination_grace_period_seconds) {
    return *container.startup_probe->termination_grace_period_seconds;
  }
  if (reason == KillReason::kLivenessProbe && container.liveness_probe &&
      container.liveness_probe->termination_grace_period_seconds) {
    return *container.liveness_probe->termination_grace_period_seconds;
  }
  return *pod.spec.termination_grace_period_seconds;
}

base::Duration GraceAfterPreStop(int64_t grace_seconds, base::Duration pre_stop_took) {
  base::Duration left = std::chrono::seconds(grace_seconds) - pre_stop_took;
  return std::max<base::Duration>(left, std::chrono::seconds(kMinimumGracePeriodSeconds));
}

}  // namespace probelet::kubelet
