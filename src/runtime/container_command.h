// MakeContainerCommand: the argv and environment a container gets from its spec, the kubelet's
// makeEnvironmentVariables and ExpandContainerCommandAndArgs (pkg/kubelet/kubelet_pods.go,
// pkg/kubelet/container/helpers.go): env values in order, each expanded with the variables
// before it, fieldRefs (metadata.name/namespace/uid, status.podIP) from `pod`; argv = command +
// args, each after $(VAR) expansion (api::Expand), one element for one. The environment then
// gets what an image would give a host process (PATH, HOME, HOSTNAME) unless the container sets
// them: the process runtime runs it as is, the CRI runtime (runtime/cri/kuberuntime_config.h)
// keeps the container's own variables only, since its image gives those.
//
// Pure apart from reading PATH, HOME, the host name and the password database; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/pod.h"
#include "runtime/runtime.h"

namespace probelet::runtime {

// The environment and argv a container gets, exposed for tests and `describe`.
struct ContainerCommand {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "K=V"
};
ContainerCommand MakeContainerCommand(const api::Container& container, const PodContext& pod);

}  // namespace probelet::runtime
