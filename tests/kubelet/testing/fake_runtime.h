// FakeRuntime: an in-memory runtime::Runtime on a base::Clock, for pod worker tests on virtual
// time. Containers are records; a test decides when they exit (Exit), how they react to
// SIGTERM (term_delay, ignore_sigterm), what exec-sync returns, and which starts fail. Every
// callback is delivered from a zero-or-later timer, never from inside the call (the Runtime
// contract), so tests drive it with VirtualClock::Advance/RunUntilIdle.
//
// The records (ids, states, exits, stop waiters) are runtime::ContainerTable, shared with the
// simulation's ScriptedRuntime; what differs is who decides what a container does (the test
// here, the scenario there), and this fake's call logs and failure knobs.
//
// Thread safety: single thread. Ownership: the clock must outlive it.
#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "runtime/container_table.h"
#include "runtime/runtime.h"

namespace probelet::kubelet::testing {

class FakeRuntime : public runtime::Runtime {
 public:
  struct StopCall {
    std::string id;
    std::string name;
    base::Duration grace;
    base::MonoTime at;
  };
  struct ExecCall {
    std::string id;
    std::vector<std::string> argv;
    base::Duration timeout;
  };

  explicit FakeRuntime(base::Clock& clock) : clock_(clock) {}

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
  void Shutdown(std::function<void(base::Status)> done) override {
    ++shutdowns;
    Later(base::Duration::zero(), [done] { done(base::Status::Ok()); });
  }
  int shutdowns = 0;
  void SetHealthHandler(HealthHandler handler) override { health_handler_ = std::move(handler); }
  // What a runtime that stops (or starts again) answering reports.
  void ReportHealth(bool healthy, const std::string& message) {
    if (health_handler_) health_handler_(healthy, message);
  }

  // The container exits by itself with `exit_code` (on the next turn of the clock).
  void Exit(const std::string& id, int exit_code);
  // The newest container of `name`, or "" when none.
  std::string Latest(const std::string& name) const;
  int CountCreated(const std::string& name) const;
  int running_count() const;

  // Behaviour knobs, by container name.
  std::set<std::string> ignore_sigterm;  // exits only at SIGKILL (137)
  std::set<std::string> fail_start;      // StartContainer fails (StartError)
  std::set<std::string> fail_create;     // CreateContainer fails (recorded in failed_creates)
  std::set<std::string> fail_stop;       // StopContainer fails: "cannot stop <id>", still runs
  base::Duration term_delay{};           // how long a container takes to exit on SIGTERM
  // What ExecSync returns (after `exec_delay`), by the first argv element; default exit 0.
  std::map<std::string, runtime::ExecSyncResult> exec_results;
  base::Duration exec_delay{};
  // How long CreateContainer and StartContainer take to answer (a CRI runtime's round trips).
  base::Duration create_delay{};
  base::Duration start_delay{};
  // Sandboxes: RunPodSandbox fails while fail_sandbox is set; made ones get `pod_ip`.
  bool fail_sandbox = false;
  std::string pod_ip = "127.0.0.1";
  struct SandboxCall {
    std::string op;  // "run", "stop", "remove"
    std::string id;  // the sandbox's id ("" for a failed run)
    std::string pod_uid;
    int32_t attempt = 0;
  };
  std::vector<SandboxCall> sandbox_calls;

  std::vector<StopCall> stops;
  std::vector<ExecCall> execs;
  std::vector<runtime::ContainerConfig> creates;  // successful creates
  std::vector<base::MonoTime> failed_creates;     // when each failed create was asked for

 private:
  void Later(base::Duration after, std::function<void()> fn);
  void MarkExited(const std::string& id, int exit_code, int signal);

  base::Clock& clock_;
  uint64_t next_sandbox_ = 1;
  std::map<std::string, std::string> sandbox_pod_;  // sandbox id -> pod uid
  runtime::ContainerTable<runtime::ContainerConfig> containers_;
  std::vector<std::unique_ptr<base::Timer>> timers_;
  ExitHandler exit_handler_;
  HealthHandler health_handler_;
};

}  // namespace probelet::kubelet::testing
