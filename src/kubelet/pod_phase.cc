#include "kubelet/pod_phase.h"

namespace probelet::kubelet {
namespace {

const api::ContainerStatus* FindStatus(const std::vector<api::ContainerStatus>& statuses,
                                       const std::string& name) {
  for (const auto& s : statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

}  // namespace

std::string GetPhase(const api::PodSpec& spec, const std::vector<api::ContainerStatus>& statuses,
                     bool pod_is_terminal, bool pod_has_initialized) {
  int pending_sidecars = 0;
  int pending_regular_inits = 0;
  int failed_initialization = 0;
  for (const auto& c : spec.init_containers) {
    if (api::IsRestartableInitContainer(c)) continue;
    const api::ContainerStatus* s = FindStatus(statuses, c.name);
    if (s == nullptr) {
      ++pending_regular_inits;
    } else if (s->state.running) {
      ++pending_regular_inits;
    } else if (s->state.terminated) {
      if (s->state.terminated->exit_code != 0) ++failed_initialization;
    } else if (s->state.waiting) {
      if (s->last_state.terminated) {
        if (s->last_state.terminated->exit_code != 0) ++failed_initialization;
      } else {
        ++pending_regular_inits;
      }
    } else {
      ++pending_regular_inits;
    }
  }

  int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const auto& c : spec.init_containers) {
    if (!api::IsRestartableInitContainer(c)) continue;
    const api::ContainerStatus* s = FindStatus(statuses, c.name);
    if (s == nullptr) {
      ++unknown;
    } else if (s->state.running) {
      if (!s->started.value_or(false)) ++pending_sidecars;
      ++running;
    } else if (s->state.terminated) {
      // Stopped sidecars do not count towards the phase.
    } else if (s->state.waiting) {
      if (!s->last_state.terminated) {
        ++pending_sidecars;
        ++waiting;
      }
    } else {
      ++pending_sidecars;
      ++unknown;
    }
  }
  for (const auto& c : spec.containers) {
    const api::ContainerStatus* s = FindStatus(statuses, c.name);
    if (s == nullptr) {
      ++unknown;
    } else if (s->state.running) {
      ++running;
    } else if (s->state.terminated) {
      ++stopped;
      if (s->state.terminated->exit_code == 0) ++succeeded;
    } else if (s->state.waiting) {
      if (s->last_state.terminated) {
        ++stopped;
      } else {
        ++waiting;
      }
    } else {
      ++unknown;
    }
  }

  if (failed_initialization > 0 && spec.restart_policy == "Never") return api::kPodFailed;
  if (pending_regular_inits > 0 || (pending_sidecars > 0 && !pod_has_initialized) || waiting > 0) {
    return api::kPodPending;
  }
  if (running > 0 && unknown == 0) return api::kPodRunning;
  if (running == 0 && stopped > 0 && unknown == 0) {
    if (pod_is_terminal) return stopped == succeeded ? api::kPodSucceeded : api::kPodFailed;
    if (spec.restart_policy == "Always") return api::kPodRunning;  // all restarting
    if (stopped == succeeded) return api::kPodSucceeded;
    if (spec.restart_policy == "Never") return api::kPodFailed;
    return api::kPodRunning;  // OnFailure, restarting the failed ones
  }
  return api::kPodPending;
}

}  // namespace probelet::kubelet
