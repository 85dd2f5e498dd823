// ContainerRecord: what a pod worker remembers of one container of its pod between syncs: its
// spec, its newest instances in the runtime (the previous and the current one, which give the
// status's state and lastState, the back-off's last exit and `logs --previous`) and why its
// last start did not happen (the kubelet's reasonCache). The kubelet reads the same from its
// runtime cache (kubecontainer.PodStatus) and reasonCache.
//
// Value types; thread safety as any value. `spec` points into the pod the worker owns.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "api/pod_status.h"
#include "base/clock.h"

namespace probelet::kubelet {

struct ContainerRecord {
  struct Instance {
    std::string id;
    int32_t restart_count = 0;
    std::string log_path;
    std::optional<base::MonoTime> finished;  // exit time on the clock, for back-off
  };

  const api::Container* spec = nullptr;
  bool init = false;
  std::vector<Instance> instances;  // the previous (if any) and the current one
  // The kubelet's reasonCache: why the last start did not happen (CrashLoopBackOff, ...).
  std::optional<api::ContainerStateWaiting> start_failure;
};

// By container name (names are unique across init and regular containers).
using ContainerRecords = std::map<std::string, ContainerRecord, std::less<>>;

}  // namespace probelet::kubelet
