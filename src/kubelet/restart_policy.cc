#include "kubelet/restart_policy.h"

namespace probelet::kubelet {

bool ShouldRestartOnFailure(const api::Pod& pod, const api::Container* container) {
  if (container != nullptr && container->restart_policy) {
    return *container->restart_policy != "Never";
  }
  return pod.spec.restart_policy != "Never";
}

}  // namespace probelet::kubelet
