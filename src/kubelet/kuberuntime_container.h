// ContainerKiller: how a pod worker stops the containers of its pod, kuberuntime_container.go's
// killContainer and executePreStopHook (§6.3):
//  - a Normal "Killing" event, with the kill's message or "Stopping container <name>";
//  - the preStop hook first when the container has one and the grace period is above zero
//    (§6.3.4): exec through the runtime, httpGet through the HTTP prober, sleep on a timer.
//    The hook never holds the kill up longer than the grace period; a failed hook is a
//    Warning "FailedPreStopHook" event (without its output, which may hold secrets) and the
//    kill goes on;
//  - then the runtime's StopContainer with what the hook left of the grace period (§6.3.5,
//    §6.3.6).
// A container already being stopped is not stopped twice (no second event, no second hook):
// the later kill completes with the first.
//
// Completion: `done` gets StopContainer's Status: an error means the runtime could not stop
// the container (killContainer returns it; the caller reports it and retries, as the kubelet's
// sync does). `done` never runs inside the call that started the kill, even when there is
// nothing to kill (KillContainers posts it to the clock): a caller may start its next step
// from `done` without recursing.
//
// Thread safety: event loop thread only. Ownership: the pod, clock, runtime, recorder and HTTP
// prober must outlive the killer. Destroying it abandons pending kills: their `done` never runs.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "base/clock.h"
#include "base/expected.h"
#include "kubelet/pod_actions.h"
#include "probe/probers.h"
#include "runtime/runtime.h"

namespace probelet::kubelet {

class ContainerKiller {
 public:
  using Done = std::function<void(base::Status)>;
  // Sees the container ID each time a StopContainer is sent (for the bench's kill timing).
  using KillObserver = std::function<void(const std::string& container_id)>;

  // `http` may be null: httpGet preStop hooks then fail. `pod_ip` is where they connect.
  ContainerKiller(const api::Pod& pod, base::Clock& clock, runtime::Runtime& runtime,
                  api::EventRecorder& recorder, probe::HttpProber* http, std::string pod_ip);
  ~ContainerKiller();
  ContainerKiller(const ContainerKiller&) = delete;
  ContainerKiller& operator=(const ContainerKiller&) = delete;

  // killContainer for one container of the pod.
  void KillContainer(const ContainerToKill& kill, Done done);
  // Kills every container of `kills` in parallel; `done` runs once all are done, with the
  // first error if any (at once, on a later turn of the loop, when `kills` is empty).
  void KillContainers(const std::vector<ContainerToKill>& kills, Done done);

  void SetKillObserver(KillObserver observer) { kill_observer_ = std::move(observer); }
  // Where httpGet preStop hooks connect: the pod's IP, known once its sandbox runs.
  void SetPodIP(std::string pod_ip) { pod_ip_ = std::move(pod_ip); }

 private:
  void RunPreStop(const api::Container& spec, const api::ObjectReference& ref,
                  const std::string& id, int64_t grace_seconds, std::function<void()> done);
  void Post(std::function<void()> fn);

  const api::Pod& pod_;
  base::Clock& clock_;
  runtime::Runtime& runtime_;
  api::EventRecorder& recorder_;
  probe::HttpProber* http_;
  std::string pod_ip_;
  KillObserver kill_observer_;
  // Containers being stopped, with the callbacks waiting for each to be gone.
  std::map<std::string, std::vector<Done>> stopping_;
  std::map<std::string, std::unique_ptr<base::Timer>> hook_timers_;  // sleep preStop hooks
  std::vector<std::unique_ptr<base::Timer>> posted_;                 // Post's zero-delay timers
  // Callbacks from the runtime and the HTTP prober hold a weak_ptr to this: they do nothing
  // once the killer is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace probelet::kubelet
