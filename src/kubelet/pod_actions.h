// What a pod sync must do (§6.2; kuberuntime_manager.go computePodActions and
// computeInitContainerActions): which containers to kill and why, which init and regular
// containers to (re)start, and whether the whole pod is done and must be killed.
//
// The input is the runtime's view of the pod (the latest instance of each container, by name)
// plus what the liveness and startup caches hold for those instances. The decision is a pure
// function, so it is table-tested without processes (T51); the pod worker carries it out.
//
// Thread-safe (pure); the lookups are called synchronously.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "kubelet/grace_period.h"

namespace probelet::kubelet {

// kubecontainer.State of the latest instance of a container.
enum class InstanceState { kCreated, kRunning, kExited, kUnknown };

struct ContainerInstance {
  std::string id;
  InstanceState state = InstanceState::kUnknown;
  int32_t exit_code = 0;  // when exited
};

// Latest instance per container name (init and regular); no entry = never created.
using PodInstances = std::map<std::string, ContainerInstance, std::less<>>;

// What the kubelet's probe results caches (results.Manager, §2.2) hold for a container ID: no
// entry, or a value.
enum class CacheValue { kNone, kUnknown, kSuccess, kFailure };

struct ProbeCacheLookup {
  std::function<CacheValue(const std::string& container_id)> liveness;
  std::function<CacheValue(const std::string& container_id)> startup;
};

struct ContainerToKill {
  std::string name;
  std::string container_id;
  bool init_container = false;
  std::string message;  // the Killing event's message
  KillReason reason = KillReason::kUnknown;
  friend bool operator==(const ContainerToKill&, const ContainerToKill&) = default;
};

struct PodActions {
  bool kill_pod = false;  // nothing is kept and nothing starts: stop everything still running
  std::vector<ContainerToKill> containers_to_kill;
  std::vector<size_t> init_containers_to_start;  // indices into spec.init_containers, in order
  std::vector<size_t> containers_to_start;       // indices into spec.containers, in order
};

// The decision. A pod being deleted (deletion_timestamp set) starts nothing.
PodActions ComputePodActions(const api::Pod& pod, const PodInstances& instances,
                             const ProbeCacheLookup& caches);

// kubecontainer.ShouldContainerBeRestarted: never created, created-but-not-started or unknown ->
// start; running -> no; exited -> ContainerShouldRestart.
bool ShouldContainerBeRestarted(const api::Container& container, const api::Pod& pod,
                                const PodInstances& instances);

}  // namespace probelet::kubelet
