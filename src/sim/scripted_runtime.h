// ScriptedRuntime: a runtime::Runtime whose containers are records on a base::Clock that behave
// as a Scenario says (`probelet simulate`): a container runs from StartContainer (100 us later,
// and its scenario counts from 100 us after that: a real start takes time) until its
// scenario's exitAfter (exit code as given), or
// until StopContainer: it exits shutdownSeconds after SIGTERM (143), or at SIGKILL when the
// grace period is shorter (137). Exec-sync (the lifecycle hooks) succeeds at once. The probes
// do not come here: the scripted probers (scripted_probers.h) ask CurrentInstance what the
// probed container is doing.
//
// Every callback is delivered on a later turn of the clock, never from inside the call (the
// Runtime contract). Removed containers are forgotten, so memory stays flat over long runs.
// The records themselves (ids, states, exits, stop waiters) are runtime::ContainerTable, shared
// with the tests' FakeRuntime (tests/kubelet/testing/fake_runtime.h); the two keep apart what
// a container does: here the scenario decides, there the test.
//
// Thread safety: the clock's thread. Ownership: the clock and the scenario must outlive it.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/container_table.h"
#include "runtime/runtime.h"
#include "sim/deferred_calls.h"
#include "sim/scenario.h"

namespace probelet::sim {

class ScriptedRuntime : public runtime::Runtime {
 public:
  // The instance of a container that runs now, as the probers see it.
  struct Instance {
    const ContainerBehaviour* behaviour = nullptr;
    base::MonoTime started{};  // the app's own start, from which its scenario counts
    int restart = 0;           // its restart count: 0 for the first instance
  };

  ScriptedRuntime(base::Clock& clock, const Scenario& scenario);

  std::string_view name() const override { return "probelet"; }
  void RunPodSandbox(const runtime::PodSandboxConfig& config,
                     std::function<void(base::Expected<runtime::PodSandbox>)> done) override;
  void StopPodSandbox(const std::string& sandbox_id,
                      std::function<void(base::Status)> done) override;
  void RemovePodSandbox(const std::string& sandbox_id,
                        std::function<void(base::Status)> done) override;
  void CreateContainer(const runtime::ContainerConfig& config,
                       std::function<void(base::Expected<std::string>)> done) override;
  void StartContainer(const std::string& id, std::function<void(base::Status)> done) override;
  void StopContainer(const std::string& id, base::Duration grace_period,
                     std::function<void(base::Status)> done) override;
  void ExecSync(const std::string& id, const std::vector<std::string>& argv, base::Duration timeout,
                std::function<void(runtime::ExecSyncResult)> done) override;
  std::optional<runtime::ContainerStatus> GetContainerStatus(const std::string& id) const override;
  std::vector<runtime::ContainerStatus> ListContainers() const override;
  base::Status RemoveContainer(const std::string& id) override;
  void SetExitHandler(ExitHandler handler) override { exit_handler_ = std::move(handler); }
  void Shutdown(std::function<void(base::Status)> done) override;

  // The running instance of `container` in the pod `pod_uid`, or nullptr when none runs.
  const Instance* CurrentInstance(const std::string& pod_uid, const std::string& container) const;

 private:
  struct Scripted {
    std::string pod_uid;
    Instance instance;
    bool stopping = false;
  };
  void MarkExited(const std::string& id, int exit_code, int signal);

  base::Clock& clock_;
  const Scenario& scenario_;
  DeferredCalls later_;
  runtime::ContainerTable<Scripted> containers_;
  // (pod uid, container name) -> the id of its running instance.
  std::map<std::pair<std::string, std::string>, std::string> running_;
  ExitHandler exit_handler_;
};

}  // namespace probelet::sim
