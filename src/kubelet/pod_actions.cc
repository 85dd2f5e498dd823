#include "kubelet/pod_actions.h"

#include <algorithm>

#include "api/pod_helpers.h"
#include "kubelet/restart_policy.h"

namespace probelet::kubelet {
namespace {

const ContainerInstance* Find(const PodInstances& instances, const std::string& name) {
  auto it = instances.find(name);
  return it == instances.end() ? nullptr : &it->second;
}

bool IsInitContainerFailed(const ContainerInstance& s) {
  if (s.state == InstanceState::kExited && s.exit_code != 0) return true;
  return s.state == InstanceState::kUnknown;
}

// computeInitContainerActions: walks the init containers backwards from the newest one that has
// run, restarting sidecars as needed and starting the next init container once the previous one
// is done. Returns whether initialization is complete (regular containers may run).
bool ComputeInitContainerActions(const api::Pod& pod, const PodInstances& instances,
                                 const ProbeCacheLookup& caches, PodActions& changes) {
  const auto& inits = pod.spec.init_containers;
  if (inits.empty()) return true;

  // A regular container created or running means initialization finished at some point, even
  // if init containers' instances are gone since.
  bool pod_has_initialized = false;
  for (const auto& c : pod.spec.containers) {
    const ContainerInstance* s = Find(instances, c.name);
    if (s && (s->state == InstanceState::kCreated || s->state == InstanceState::kRunning)) {
      pod_has_initialized = true;
      break;
    }
  }
  bool previously_initialized = pod_has_initialized;
  const bool restart_on_failure = ShouldRestartOnFailure(pod);

  for (size_t n = inits.size(); n-- > 0;) {
    const api::Container& c = inits[n];
    const bool sidecar = api::IsRestartableInitContainer(c);
    const ContainerInstance* s = Find(instances, c.name);
    if (s == nullptr) {
      if (previously_initialized && sidecar) changes.init_containers_to_start.push_back(n);
      continue;
    }
    if (previously_initialized && !sidecar) continue;  // done; only sidecars are kept running

    switch (s->state) {
      case InstanceState::kCreated:
        // Created but never started: the start failed half-way; start it again.
        changes.init_containers_to_start.push_back(n);
        break;
      case InstanceState::kRunning: {
        if (!sidecar) break;  // wait for the regular init container to finish
        if (c.startup_probe) {
          CacheValue startup = caches.startup(s->id);
          if (startup == CacheValue::kNone) break;  // the startup probe has not run yet: wait
          if (startup != CacheValue::kSuccess) {
            if (startup == CacheValue::kFailure) {
              changes.containers_to_kill.push_back(
                  {c.name, s->id, true, "Init container " + c.name + " failed startup probe",
                   KillReason::kStartupProbe});
              changes.init_containers_to_start.push_back(n);
            }
            break;
          }
        }
        // The sidecar has started: the next init container may run.
        if (n == inits.size() - 1) {
          pod_has_initialized = true;
        } else if (!previously_initialized) {
          changes.init_containers_to_start.push_back(n + 1);
        }
        // computeInitContainerActions (kuberuntime_manager.go): a sidecar's liveness Failure
        // kills and restarts it, but liveness never gates the next init container (§6.2.7).
        if (c.liveness_probe && caches.liveness(s->id) == CacheValue::kFailure) {
          changes.containers_to_kill.push_back(
              {c.name, s->id, true, "Init container " + c.name + " failed liveness probe",
               KillReason::kLivenessProbe});
          changes.init_containers_to_start.push_back(n);
        }
        break;
      }
      case InstanceState::kExited:
        if (sidecar) {
          changes.init_containers_to_start.push_back(n);
        } else if (IsInitContainerFailed(*s)) {
          if (!restart_on_failure) {
            changes.kill_pod = true;
            changes.init_containers_to_start.clear();
            return false;
          }
          changes.init_containers_to_start.push_back(n);
        } else if (n == inits.size() - 1) {
          pod_has_initialized = true;
        } else {
          changes.init_containers_to_start.push_back(n + 1);
        }
        break;
      case InstanceState::kUnknown:
        if (sidecar) {
          changes.containers_to_kill.push_back(
              {c.name, s->id, true,
               "Init container is in \"unknown\" state, try killing it before restart",
               KillReason::kUnknown});
          changes.init_containers_to_start.push_back(n);
        } else {
          if (!restart_on_failure) {
            changes.kill_pod = true;
            changes.init_containers_to_start.clear();
            return false;
          }
          changes.containers_to_kill.push_back(
              {c.name, s->id, true,
               "Init container is in \"unknown\" state, try killing it before restart",
               KillReason::kUnknown});
          changes.init_containers_to_start.push_back(n);
        }
        break;
    }
    previously_initialized = true;
  }
  if (!previously_initialized) changes.init_containers_to_start.push_back(0);
  std::reverse(changes.init_containers_to_start.begin(), changes.init_containers_to_start.end());
  return pod_has_initialized;
}

}  // namespace

bool ShouldContainerBeRestarted(const api::Container& container, const api::Pod& pod,
                                const PodInstances& instances) {
  if (pod.metadata.deletion_timestamp) return false;
  const ContainerInstance* s = Find(instances, container.name);
  if (s == nullptr) return true;
  switch (s->state) {
    case InstanceState::kRunning:
      return false;
    case InstanceState::kCreated:
    case InstanceState::kUnknown:
      return true;
    case InstanceState::kExited:
      break;
  }
  return api::ContainerShouldRestart(container, pod.spec, s->exit_code);
}

PodActions ComputePodActions(const api::Pod& pod, const PodInstances& instances,
                             const ProbeCacheLookup& caches) {
  PodActions changes;
  if (pod.metadata.deletion_timestamp) {
    changes.kill_pod = true;
    return changes;
  }
  bool initialized = ComputeInitContainerActions(pod, instances, caches, changes);
  if (changes.kill_pod || !initialized) return changes;

  int keep_count = 0;
  for (size_t i = 0; i < pod.spec.containers.size(); ++i) {
    const api::Container& c = pod.spec.containers[i];
    const ContainerInstance* s = Find(instances, c.name);
    if (s == nullptr || s->state != InstanceState::kRunning) {
      if (ShouldContainerBeRestarted(c, pod, instances)) changes.containers_to_start.push_back(i);
      continue;
    }
    // computePodActions (kuberuntime_manager.go), for a running container, first match wins:
    // liveness Failure -> kill "failed liveness probe"; startup Failure -> kill "failed startup
    // probe"; else keep (§6.2.1). (Its first rule, a changed spec hash, cannot happen: pods are
    // immutable for the life of a probelet run.)
    std::string message;
    KillReason reason;
    if (caches.liveness(s->id) == CacheValue::kFailure) {
      message = "Container " + c.name + " failed liveness probe";
      reason = KillReason::kLivenessProbe;
    } else if (caches.startup(s->id) == CacheValue::kFailure) {
      message = "Container " + c.name + " failed startup probe";
      reason = KillReason::kStartupProbe;
    } else {
      ++keep_count;
      continue;
    }
    // shouldRestartOnFailure, the container's own restartPolicy overriding the pod's: unless
    // Never, append ", will be restarted" and start it in this same sync. Exit codes are not
    // looked at: the container is still running (§6.2.2-6.2.3).
    if (ShouldRestartOnFailure(pod, &c)) {
      message += ", will be restarted";
      changes.containers_to_start.push_back(i);
    }
    changes.containers_to_kill.push_back({c.name, s->id, false, std::move(message), reason});
  }
  // computePodActions: no container kept and none to start -> KillPod (§6.2.5).
  if (keep_count == 0 && changes.containers_to_start.empty()) changes.kill_pod = true;
  return changes;
}

}  // namespace probelet::kubelet
