#include "sim/scripted_runtime.h"

#include <cstdio>

namespace probelet::sim {

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
  char buf[80];
  std::snprintf(buf, sizeof buf, "probelet://%064llx", static_cast<unsigned long long>(next_++));
  Container c;
  c.status.id = buf;
  c.status.name = config.container.name;
  c.status.state = runtime::ContainerState::kCreated;
  c.status.created_at = clock_.WallNow();
  c.pod_uid = config.pod.uid;
  c.instance.behaviour = &scenario_.Find(config.pod.name, config.container.name);
  c.instance.restart = config.restart_count;
  containers_.emplace(c.status.id, std::move(c));
  later_.After(base::Duration::zero(), [done, id = std::string(buf)] { done(id); });
}

void ScriptedRuntime::StartContainer(const std::string& id,
                                     std::function<void(base::Status)> done) {
  later_.After(base::Duration::zero(), [this, id, done] {
    auto it = containers_.find(id);
    if (it == containers_.end() || it->second.status.state != runtime::ContainerState::kCreated) {
      done(base::Error{"no such container: " + id});
      return;
    }
    Container& c = it->second;
    c.status.state = runtime::ContainerState::kRunning;
    c.status.started_at = clock_.WallNow();
    c.status.pid = static_cast<int>(1000 + next_);
    c.instance.started = clock_.Now();
    running_[{c.pod_uid, c.status.name}] = id;
    if (auto exit = ExitOf(*c.instance.behaviour, c.instance.restart)) {
      later_.After(exit->after, [this, id, code = exit->code] { MarkExited(id, code, 0); });
    }
    done(base::Status::Ok());
  });
}

void ScriptedRuntime::MarkExited(const std::string& id, int exit_code, int signal) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second.status.state != runtime::ContainerState::kRunning) {
    return;  // already gone: a later exit of the same instance (SIGTERM, then SIGKILL) is moot
  }
  Container& c = it->second;
  runtime::ContainerStatus& s = c.status;
  s.state = runtime::ContainerState::kExited;
  s.exit_code = exit_code;
  s.signal = signal;
  s.reason = exit_code == 0 ? "Completed" : "Error";
  s.finished_at = clock_.WallNow();
  s.pid = 0;
  if (auto r = running_.find({c.pod_uid, s.name}); r != running_.end() && r->second == id) {
    running_.erase(r);
  }
  runtime::ContainerStatus copy = s;
  auto waiters = std::move(c.stop_waiters);
  if (exit_handler_) exit_handler_(copy);
  for (auto& w : waiters) w(base::Status::Ok());
}

void ScriptedRuntime::StopContainer(const std::string& id, base::Duration grace,
                                    std::function<void(base::Status)> done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) {
    later_.After(base::Duration::zero(), [done] { done(base::Error{"no such container"}); });
    return;
  }
  Container& c = it->second;
  if (c.status.state != runtime::ContainerState::kRunning) {
    later_.After(base::Duration::zero(), [done] { done(base::Status::Ok()); });
    return;
  }
  c.stop_waiters.push_back(std::move(done));
  if (c.stopping) return;  // the first stop's SIGTERM and SIGKILL are on their way
  c.stopping = true;
  grace = std::max(grace, base::Duration::zero());
  const base::Duration shutdown = c.instance.behaviour->shutdown;
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
  auto it = containers_.find(id);
  if (it == containers_.end()) return std::nullopt;
  return it->second.status;
}

std::vector<runtime::ContainerStatus> ScriptedRuntime::ListContainers() const {
  std::vector<runtime::ContainerStatus> out;
  out.reserve(containers_.size());
  for (const auto& [id, c] : containers_) out.push_back(c.status);
  return out;
}

base::Status ScriptedRuntime::RemoveContainer(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return base::Error{"no such container: " + id};
  if (it->second.status.state == runtime::ContainerState::kRunning) {
    return base::Error{"container is running: " + id};
  }
  containers_.erase(it);
  return base::Status::Ok();
}

void ScriptedRuntime::Shutdown(std::function<void(base::Status)> done) {
  later_.After(base::Duration::zero(), [done] { done(base::Status::Ok()); });
}

const ScriptedRuntime::Instance* ScriptedRuntime::CurrentInstance(
    const std::string& pod_uid, const std::string& container) const {
  auto r = running_.find({pod_uid, container});
  if (r == running_.end()) return nullptr;
  auto it = containers_.find(r->second);
  return it == containers_.end() ? nullptr : &it->second.instance;
}

}  // namespace probelet::sim
