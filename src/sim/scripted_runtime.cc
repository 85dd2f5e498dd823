#include "sim/scripted_runtime.h"

namespace probelet::sim {
namespace {

// How long a start takes, twice: from the call to StartedAt (the runtime's fork and exec), and
// from StartedAt to the app's own first instant, from which its scenario counts (its main).
// Any real runtime and app take some time (milliseconds under the process runtime); what
// matters is the order: the start lands *after* the tick that asked for it, and the app's
// timeline *after* StartedAt. With none, instants coincide that never do for real, and ties
// break the other way than under `probelet run` (the fidelity test, simulate_fidelity_test.cc,
// showed both):
//  - a restart made in a liveness worker's tick put StartedAt on that worker's tick grid, so a
//    probe whose initialDelaySeconds is a whole number of periods (the delay counts in
//    truncated seconds, §3.3.9) ran one period early;
//  - readiness is probed at once when a container starts (§3.8), which puts its ticks on the
//    start's grid, so with startupSeconds a whole number of periods a probe found the app
//    already listening at the very instant a real app is still a moment short of it.
// Below a millisecond, so the printed times (whole milliseconds) stay those of the ticks.
constexpr base::Duration kStartLatency = std::chrono::microseconds(100);

}  // namespace

ScriptedRuntime::ScriptedRuntime(base::Clock& clock, const Scenario& scenario)
    : clock_(clock), scenario_(scenario), later_(clock) {}

void ScriptedRuntime::RunPodSandbox(const runtime::PodSandboxConfig& /*config*/,
                                    std::function<void(base::Expected<runtime::PodSandbox>)> done) {
  // Like the process runtime: no sandbox to make, the pods share the node's network.
  later_.After(base::Duration::zero(), [done] { done(runtime::PodSandbox{"", "127.0.0.1"}); });
}

void ScriptedRuntime::StopPodSandbox(const std::string& /*sandbox_id*/,
                                     std::function<void(base::Status)> done) {
  later_.After(base::Duration::zero(), [done] { done(base::Status::Ok()); });
}

void ScriptedRuntime::RemovePodSandbox(const std::string& /*sandbox_id*/,
                                       std::function<void(base::Status)> done) {
  later_.After(base::Duration::zero(), [done] { done(base::Status::Ok()); });
}

void ScriptedRuntime::CreateContainer(const runtime::ContainerConfig& config,
                                      std::function<void(base::Expected<std::string>)> done) {
  Scripted extra;
  extra.pod_uid = config.pod.uid;
  extra.instance.behaviour = &scenario_.Find(config.pod.name, config.container.name);
  extra.instance.restart = config.restart_count;
  auto& c = containers_.Create(config.container.name, clock_.WallNow(), std::move(extra));
  later_.After(base::Duration::zero(), [done, id = c.status.id] { done(id); });
}

void ScriptedRuntime::StartContainer(const std::string& id,
                                     std::function<void(base::Status)> done) {
  later_.After(kStartLatency, [this, id, done] {
    auto* c = containers_.Find(id);
    if (c == nullptr || c->status.state != runtime::ContainerState::kCreated) {
      done(base::Error{"no such container: " + id});
      return;
    }
    c->status.state = runtime::ContainerState::kRunning;
    c->status.started_at = clock_.WallNow();
    c->status.pid = static_cast<int>(1000 + c->seq);
    c->extra.instance.started = clock_.Now() + kStartLatency;  // the app's own start
    running_[{c->extra.pod_uid, c->status.name}] = id;
    if (auto exit = ExitOf(*c->extra.instance.behaviour, c->extra.instance.restart)) {
      later_.After(kStartLatency + exit->after,
                   [this, id, code = exit->code] { MarkExited(id, code, 0); });
    }
    done(base::Status::Ok());
  });
}

void ScriptedRuntime::MarkExited(const std::string& id, int exit_code, int signal) {
  const auto* c = containers_.Find(id);
  if (c == nullptr || c->status.state != runtime::ContainerState::kRunning) return;
  // The probers stop seeing the instance before the pod workers hear of the exit.
  if (auto r = running_.find({c->extra.pod_uid, c->status.name});
      r != running_.end() && r->second == id) {
    running_.erase(r);
  }
  containers_.MarkExited(id, exit_code, signal, clock_.WallNow(), exit_handler_);
}

void ScriptedRuntime::StopContainer(const std::string& id, base::Duration grace,
                                    std::function<void(base::Status)> done) {
  auto* found = containers_.Find(id);
  if (found == nullptr) {
    later_.After(base::Duration::zero(), [done] { done(base::Error{"no such container"}); });
    return;
  }
  auto& c = *found;
  if (c.status.state != runtime::ContainerState::kRunning) {
    later_.After(base::Duration::zero(), [done] { done(base::Status::Ok()); });
    return;
  }
  c.stop_waiters.push_back(std::move(done));
  if (c.extra.stopping) return;  // the first stop's SIGTERM and SIGKILL are on their way
  c.extra.stopping = true;
  grace = std::max(grace, base::Duration::zero());
  const base::Duration shutdown = c.extra.instance.behaviour->shutdown;
  if (shutdown < grace) {
    later_.After(shutdown, [this, id] { MarkExited(id, 143, 15); });
  } else {
    later_.After(grace, [this, id] { MarkExited(id, 137, 9); });
  }
}

void ScriptedRuntime::ExecSync(const std::string& /*id*/, const std::vector<std::string>& /*argv*/,
                               base::Duration /*timeout*/,
                               std::function<void(runtime::ExecSyncResult)> done) {
  runtime::ExecSyncResult r;
  r.status = runtime::ExecSyncResult::Status::kExited;
  later_.After(base::Duration::zero(), [done, r] { done(r); });
}

std::optional<runtime::ContainerStatus> ScriptedRuntime::GetContainerStatus(
    const std::string& id) const {
  return containers_.Status(id);
}

std::vector<runtime::ContainerStatus> ScriptedRuntime::ListContainers() const {
  return containers_.List();
}

base::Status ScriptedRuntime::RemoveContainer(const std::string& id) {
  return containers_.Remove(id);
}

void ScriptedRuntime::Shutdown(std::function<void(base::Status)> done) {
  later_.After(base::Duration::zero(), [done] { done(base::Status::Ok()); });
}

const ScriptedRuntime::Instance* ScriptedRuntime::CurrentInstance(
    const std::string& pod_uid, const std::string& container) const {
  auto r = running_.find({pod_uid, container});
  if (r == running_.end()) return nullptr;
  const auto* c = containers_.Find(r->second);
  return c == nullptr ? nullptr : &c->extra.instance;
}

}  // namespace probelet::sim
