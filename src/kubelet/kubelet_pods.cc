#include "kubelet/kubelet_pods.h"

#include <string>
#include <vector>

#include "kubelet/pod_phase.h"
#include "kubelet/status_generation.h"

namespace probelet::kubelet {

api::ContainerState ToAPIContainerState(const runtime::ContainerStatus& st) {
  api::ContainerState s;
  switch (st.state) {
    case runtime::ContainerState::kRunning:
      s.running = api::ContainerStateRunning{st.started_at};
      break;
    case runtime::ContainerState::kExited: {
      api::ContainerStateTerminated t;
      t.exit_code = st.exit_code;
      t.reason = st.reason;
      t.message = st.message;
      t.started_at = st.started_at;
      t.finished_at = st.finished_at;
      t.container_id = st.id;
      s.terminated = std::move(t);
      break;
    }
    case runtime::ContainerState::kCreated:
      s.waiting = api::ContainerStateWaiting{};
      break;
  }
  return s;
}

api::ContainerStatus ConvertToAPIContainerStatus(const ContainerRecord& r,
                                                 const runtime::Runtime& runtime,
                                                 bool has_init_containers,
                                                 const api::ContainerStatus* old) {
  // convertToAPIContainerStatuses: the newest instance gives the state, the one before it the
  // lastState; with no instance, the default waiting state (or what the old status said).
  api::ContainerStatus s;
  s.name = r.spec->name;
  s.image = r.spec->image;
  s.state.waiting =
      api::ContainerStateWaiting{has_init_containers ? "PodInitializing" : "ContainerCreating", ""};
  if (old != nullptr) {
    s.restart_count = old->restart_count;
    s.last_state = old->last_state;
  }
  size_t n = r.instances.size();
  if (n >= 1) {
    const ContainerRecord::Instance& latest = r.instances[n - 1];
    s.restart_count = latest.restart_count;
    if (auto st = runtime.GetContainerStatus(latest.id)) {
      s.state = ToAPIContainerState(*st);
      s.container_id = st->id;
      // The kubelet's imageID is the runtime's imageRef ("sha256:..."; "" for processes).
      s.image_id = st->image_ref;
    }
  }
  if (n >= 2) {
    if (auto st = runtime.GetContainerStatus(r.instances[n - 2].id)) {
      s.last_state = ToAPIContainerState(*st);
    }
  }
  // A container that will be started again but could not be yet is Waiting with the reason
  // (CrashLoopBackOff, ...) and its last run in lastState.
  if (r.start_failure && !s.state.running) {
    bool skip = false;
    if (r.init && s.state.terminated && s.state.terminated->exit_code == 0) skip = true;
    if (!skip) {
      if (s.state.terminated) s.last_state = s.state;
      s.state = api::ContainerState{};
      s.state.waiting = *r.start_failure;
    }
  }
  return s;
}

api::PodStatus GenerateAPIPodStatus(const api::Pod& pod, const ContainerRecords& records,
                                    const runtime::Runtime& runtime, prober::ProberManager& probers,
                                    const api::PodStatus* old, const PodStatusInputs& inputs) {
  auto find_old = [old](const std::vector<api::ContainerStatus>* list,
                        const std::string& name) -> const api::ContainerStatus* {
    if (old == nullptr || list == nullptr) return nullptr;
    for (const auto& s : *list) {
      if (s.name == name) return &s;
    }
    return nullptr;
  };
  const bool has_inits = !pod.spec.init_containers.empty();
  auto convert = [&](const api::Container& c, bool init,
                     const std::vector<api::ContainerStatus>* old_list) {
    // The pod worker keeps a record for every container of its pod; one without (which would
    // be a bug) is reported as never created rather than ending the process.
    auto it = records.find(c.name);
    const ContainerRecord none{&c, init, {}, {}};
    const ContainerRecord& record = it == records.end() ? none : it->second;
    return ConvertToAPIContainerStatus(record, runtime, has_inits, find_old(old_list, c.name));
  };

  api::PodStatus status;
  status.host_ip = inputs.host_ip;
  status.pod_ip = inputs.pod_ip;
  if (!inputs.pod_ip.empty()) status.pod_ips = {api::PodIP{std::string(inputs.pod_ip)}};
  status.start_time = inputs.start_time;
  for (const auto& c : pod.spec.init_containers) {
    status.init_container_statuses.push_back(
        convert(c, true, old ? &old->init_container_statuses : nullptr));
  }
  for (const auto& c : pod.spec.containers) {
    status.container_statuses.push_back(
        convert(c, false, old ? &old->container_statuses : nullptr));
  }
  std::vector<api::ContainerStatus> all = AllContainerStatuses(status);
  status.phase = GetPhase(pod.spec, all, inputs.pod_done, inputs.initialized);
  // A terminal phase sticks (the status manager refuses to leave it).
  if (old != nullptr && (old->phase == api::kPodSucceeded || old->phase == api::kPodFailed)) {
    status.phase = old->phase;
  }
  // As generateAPIPodStatus (kubelet_pods.go) does after the phase and before the conditions:
  // the prober manager's UpdatePodStatus fills Started and Ready (§2.3.5, §6.6-6.8), reading
  // the previous status through the status manager.
  probers.UpdatePodStatus(pod, status);
  // Readiness gates' conditions come from outside: keep them.
  if (old != nullptr) status.conditions = old->conditions;
  GeneratePodConditions(pod.spec, old ? *old : api::PodStatus{}, status, inputs.now);
  return status;
}

}  // namespace probelet::kubelet
