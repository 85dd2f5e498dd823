// The kubelet's restart exceptions (probe-semantics.md §3.5 and §6.11, with the
// ChangeContainerStatusOnKubeletRestart gate disabled, the 1.35 default): a container found
// running that started more than kKubeletRestartGracePeriod before the prober manager did
// outlived a kubelet (here: probelet) restart. Its workers write no initial value, and its Ready
// stays as the pod's last status had it until a real readiness result arrives.
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>

#include "api/pod_status.h"
#include "api/time.h"

namespace probelet::prober {

// kubeletRestartGracePeriod (worker.go).
inline constexpr auto kKubeletRestartGracePeriod = std::chrono::seconds(10);

inline bool RunningSinceBeforeRestart(const api::ContainerStatus& c, api::Time manager_start) {
  if (!c.state.running) return false;
  const api::Time started = c.state.running->started_at;
  return started != api::Time{} && started < manager_start - kKubeletRestartGracePeriod;
}

}  // namespace probelet::prober
