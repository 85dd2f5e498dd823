#include "kubelet/status_generation.h"

#include <string>

#include "base/go_list.h"

namespace probelet::kubelet {
namespace {

const api::ContainerStatus* FindStatus(const std::vector<api::ContainerStatus>* statuses,
                                       std::string_view name) {
  if (statuses == nullptr) return nullptr;
  for (const auto& s : *statuses) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ", ";
    out += parts[i];
  }
  return out;
}

api::PodCondition Condition(std::string_view type, bool ok, std::string_view reason = {},
                            std::string message = {}) {
  api::PodCondition c;
  c.type = type;
  c.status = ok ? "True" : "False";
  c.reason = reason;
  c.message = std::move(message);
  return c;
}

// The status manager's updateLastTransitionTime.
void SetTransitionTime(api::PodCondition& c, const api::PodStatus& old, api::Time now) {
  const api::PodCondition* before = FindCondition(old.conditions, c.type);
  c.last_transition_time =
      (before != nullptr && before->status == c.status) ? before->last_transition_time : now;
}

void Upsert(std::vector<api::PodCondition>& conditions, api::PodCondition c) {
  for (auto& existing : conditions) {
    if (existing.type == c.type) {
      existing = std::move(c);
      return;
    }
  }
  conditions.push_back(std::move(c));
}

bool IsKubeletOwned(std::string_view type) {
  return type == kPodScheduled || type == kPodInitialized || type == kContainersReady ||
         type == kPodReady;
}

}  // namespace

const api::PodCondition* FindCondition(const std::vector<api::PodCondition>& conditions,
                                       std::string_view type) {
  for (const auto& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::vector<api::ContainerStatus> AllContainerStatuses(const api::PodStatus& status) {
  std::vector<api::ContainerStatus> all = status.init_container_statuses;
  all.insert(all.end(), status.container_statuses.begin(), status.container_statuses.end());
  return all;
}

api::PodCondition GenerateContainersReadyCondition(
    const api::PodSpec& spec, const std::vector<api::ContainerStatus>* statuses,
    std::string_view phase) {
  if (statuses == nullptr) {
    return Condition(kContainersReady, false, kReasonUnknownContainerStatuses);
  }
  std::vector<std::string> unknown;
  std::vector<std::string> unready;
  auto check = [&](const api::Container& c) {
    const api::ContainerStatus* s = FindStatus(statuses, c.name);
    if (s == nullptr) {
      unknown.push_back(c.name);
    } else if (!s->ready) {
      unready.push_back(c.name);
    }
  };
  for (const auto& c : spec.init_containers) {
    if (api::IsRestartableInitContainer(c)) check(c);
  }
  for (const auto& c : spec.containers) check(c);

  if (phase == api::kPodSucceeded && unknown.empty()) {
    return Condition(kContainersReady, false, kReasonPodCompleted);
  }
  // GenerateContainersReadyCondition: phase Failed -> False, reason PodFailed (its containers
  // may still be terminating) (§6.12.1).
  if (phase == api::kPodFailed) {
    return Condition(kContainersReady, false, kReasonPodFailed);
  }
  std::vector<std::string> messages;
  if (!unknown.empty())
    messages.push_back("containers with unknown status: " + base::GoList(unknown));
  if (!unready.empty())
    messages.push_back("containers with unready status: " + base::GoList(unready));
  if (!messages.empty()) {
    return Condition(kContainersReady, false, kReasonContainersNotReady, Join(messages));
  }
  return Condition(kContainersReady, true);
}

api::PodCondition GeneratePodReadyCondition(const api::PodSpec& spec,
                                            const std::vector<api::PodCondition>& conditions,
                                            const std::vector<api::ContainerStatus>* statuses,
                                            std::string_view phase) {
  api::PodCondition containers_ready = GenerateContainersReadyCondition(spec, statuses, phase);
  if (containers_ready.status != "True") {
    return Condition(kPodReady, false, containers_ready.reason, containers_ready.message);
  }
  std::vector<std::string> messages;
  for (const auto& gate : spec.readiness_gates) {
    const api::PodCondition* c = FindCondition(conditions, gate.condition_type);
    if (c == nullptr) {
      messages.push_back("corresponding condition of pod readiness gate \"" + gate.condition_type +
                         "\" does not exist.");
    } else if (c->status != "True") {
      messages.push_back("the status of pod readiness gate \"" + gate.condition_type +
                         "\" is not \"True\", but " + c->status);
    }
  }
  if (!messages.empty()) {
    return Condition(kPodReady, false, kReasonReadinessGatesNotReady, Join(messages));
  }
  return Condition(kPodReady, true);
}

bool HasAnyRegularContainerStarted(const api::PodSpec& spec,
                                   const std::vector<api::ContainerStatus>& statuses) {
  for (const auto& s : statuses) {
    bool regular = false;
    for (const auto& c : spec.containers) regular = regular || c.name == s.name;
    if (regular && (s.state.running || s.state.terminated)) return true;
  }
  return false;
}

api::PodCondition GeneratePodInitializedCondition(const api::PodSpec& spec,
                                                  const std::vector<api::ContainerStatus>* statuses,
                                                  std::string_view phase) {
  if (statuses == nullptr && !spec.init_containers.empty()) {
    return Condition(kPodInitialized, false, kReasonUnknownContainerStatuses);
  }
  std::vector<std::string> unknown;
  std::vector<std::string> incomplete;
  for (const auto& c : spec.init_containers) {
    const api::ContainerStatus* s = FindStatus(statuses, c.name);
    if (s == nullptr) {
      unknown.push_back(c.name);
    } else if (api::IsRestartableInitContainer(c)) {
      // A sidecar has done its part once started (its startup probe passed).
      if (!s->started.value_or(false)) incomplete.push_back(c.name);
    } else if (!s->ready) {
      incomplete.push_back(c.name);
    }
  }
  if (phase == api::kPodSucceeded && unknown.empty()) {
    return Condition(kPodInitialized, true, kReasonPodCompleted);
  }
  // Sidecars restarting after the pod got going do not un-initialize it.
  if (statuses != nullptr && HasAnyRegularContainerStarted(spec, *statuses)) {
    return Condition(kPodInitialized, true);
  }
  std::vector<std::string> messages;
  if (!unknown.empty())
    messages.push_back("containers with unknown status: " + base::GoList(unknown));
  if (!incomplete.empty()) {
    messages.push_back("containers with incomplete status: " + base::GoList(incomplete));
  }
  if (!messages.empty()) {
    return Condition(kPodInitialized, false, kReasonContainersNotInitialized, Join(messages));
  }
  return Condition(kPodInitialized, true);
}

void GeneratePodConditions(const api::PodSpec& spec, const api::PodStatus& old,
                           api::PodStatus& status, api::Time now) {
  std::vector<api::ContainerStatus> all = AllContainerStatuses(status);
  std::vector<api::PodCondition> conditions;
  for (const auto& c : status.conditions) {
    if (!IsKubeletOwned(c.type)) conditions.push_back(c);
  }
  std::vector<api::PodCondition> generated;
  generated.push_back(GeneratePodInitializedCondition(spec, &all, status.phase));
  generated.push_back(GeneratePodReadyCondition(spec, conditions, &all, status.phase));
  generated.push_back(GenerateContainersReadyCondition(spec, &all, status.phase));
  generated.push_back(Condition(kPodScheduled, true));
  for (auto& c : generated) {
    SetTransitionTime(c, old, now);
  }
  generated.insert(generated.end(), conditions.begin(), conditions.end());
  status.conditions = std::move(generated);
}

void UpdateReadinessConditions(const api::PodSpec& spec, const api::PodStatus& old,
                               api::PodStatus& status, api::Time now) {
  std::vector<api::ContainerStatus> all = AllContainerStatuses(status);
  api::PodCondition ready = GeneratePodReadyCondition(spec, status.conditions, &all, status.phase);
  api::PodCondition containers_ready = GenerateContainersReadyCondition(spec, &all, status.phase);
  SetTransitionTime(ready, old, now);
  SetTransitionTime(containers_ready, old, now);
  Upsert(status.conditions, std::move(ready));
  Upsert(status.conditions, std::move(containers_ready));
}

}  // namespace probelet::kubelet
