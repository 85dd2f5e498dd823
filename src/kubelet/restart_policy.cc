#include "kubelet/restart_policy.h"

namespace probelet::kubelet {
namespace {

bool PolicySaysRestart(const std::string& policy, int32_t exit_code) {
  if (policy == "Never") return false;
  if (policy == "OnFailure") return exit_code != 0;
  return true;  // Always, or unknown/empty
}

}  // namespace

bool ShouldRestartOnFailure(const api::Pod& pod, const api::Container* container) {
  if (container != nullptr && container->restart_policy) {
    return *container->restart_policy != "Never";
  }
  return pod.spec.restart_policy != "Never";
}

bool ContainerShouldRestart(const api::Container& container, const api::PodSpec& spec,
                            int32_t exit_code) {
  if (container.restart_policy) return PolicySaysRestart(*container.restart_policy, exit_code);
  return PolicySaysRestart(spec.restart_policy, exit_code);
}

}  // namespace probelet::kubelet
