// StatusProvider: where probe workers read a pod's cached status (the kubelet's
// statusManager.GetPodStatus, §2.5, §3.4). Implemented by the kubelet's status manager; tests
// use an in-memory one (tests/prober/testing/fake_status_provider.h).
//
// Workers read pod IP, container IDs, container state, StartedAt and Started from it, so they
// may lag the runtime by one pod sync, exactly like the kubelet's workers.
//
// Thread safety: called on the event loop thread only. Ownership: must outlive the
// ProberManager that reads it.
#pragma once

#include <string_view>

#include "api/pod_status.h"

namespace probelet::prober {

class StatusProvider {
 public:
  virtual ~StatusProvider() = default;
  // The cached status of the pod, or nullptr. Valid until the caller returns to the loop.
  virtual const api::PodStatus* GetPodStatus(std::string_view pod_uid) const = 0;
};

}  // namespace probelet::prober
