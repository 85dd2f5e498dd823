#include "kubelet/testing/fake_runtime.h"

#include <cstdio>

namespace probelet::kubelet::testing {

void FakeRuntime::Later(base::Duration after, std::function<void()> fn) {
  auto timer = clock_.NewTimer();
  timer->Arm(clock_.Now() + after, std::move(fn));
  timers_.push_back(std::move(timer));
}

void FakeRuntime::RunPodSandbox(const runtime::PodSandboxConfig& config,
                                std::function<void(base::Expected<runtime::PodSandbox>)> done) {
  const std::string uid = config.pod->metadata.uid;
  if (fail_sandbox) {
    sandbox_calls.push_back({"run", "", uid, config.attempt});
    Later(create_delay, [done] { done(base::Error{"cannot make a sandbox"}); });
    return;
  }
  std::string id = "sandbox-" + std::to_string(next_sandbox_++);
  sandbox_pod_[id] = uid;
  sandbox_calls.push_back({"run", id, uid, config.attempt});
  Later(create_delay, [done, id, ip = pod_ip] { done(runtime::PodSandbox{id, ip}); });
}

void FakeRuntime::StopPodSandbox(const std::string& sandbox_id,
                                 std::function<void(base::Status)> done) {
  sandbox_calls.push_back({"stop", sandbox_id, sandbox_pod_[sandbox_id], 0});
  Later(base::Duration::zero(), [done] { done(base::Status::Ok()); });
}

void FakeRuntime::RemovePodSandbox(const std::string& sandbox_id,
                                   std::function<void(base::Status)> done) {
  sandbox_calls.push_back({"remove", sandbox_id, sandbox_pod_[sandbox_id], 0});
  Later(base::Duration::zero(), [done] { done(base::Status::Ok()); });
}

void FakeRuntime::CreateContainer(const runtime::ContainerConfig& config,
                                  std::function<void(base::Expected<std::string>)> done) {
  if (fail_create.count(config.container.name) != 0) {
    failed_creates.push_back(clock_.Now());
    Later(create_delay,
          [done, name = config.container.name] { done(base::Error{"cannot create " + name}); });
    return;
  }
  char buf[80];
  std::snprintf(buf, sizeof buf, "probelet://%064llx", static_cast<unsigned long long>(next_));
  Container c;
  c.seq = next_++;
  c.config = config;
  c.status.id = buf;
  c.status.name = config.container.name;
  c.status.state = runtime::ContainerState::kCreated;
  c.status.created_at = clock_.WallNow();
  c.status.log_path = config.log_directory + "/" + std::to_string(config.restart_count) + ".log";
  containers_[c.status.id] = c;
  creates.push_back(config);
  Later(create_delay, [done, id = std::string(buf)] { done(id); });
}

void FakeRuntime::StartContainer(const std::string& id, std::function<void(base::Status)> done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) {
    Later(start_delay, [done] { done(base::Error{"no such container"}); });
    return;
  }
  Later(start_delay, [this, id, done] {
    auto it = containers_.find(id);
    if (it == containers_.end()) {
      done(base::Error{"no such container"});
      return;
    }
    auto& s = it->second.status;
    s.started_at = clock_.WallNow();
    if (fail_start.count(s.name) != 0) {
      s.state = runtime::ContainerState::kExited;
      s.exit_code = 128;
      s.reason = "StartError";
      s.message = "exec: \"nope\": executable file not found in $PATH";
      s.finished_at = clock_.WallNow();
      done(base::Error{s.message});
      return;
    }
    s.state = runtime::ContainerState::kRunning;
    s.pid = static_cast<int>(1000 + it->second.seq);
    done(base::Status::Ok());
  });
}

void FakeRuntime::MarkExited(const std::string& id, int exit_code, int signal) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second.status.state != runtime::ContainerState::kRunning) {
    return;
  }
  auto& s = it->second.status;
  s.state = runtime::ContainerState::kExited;
  s.exit_code = exit_code;
  s.signal = signal;
  s.reason = exit_code == 0 ? "Completed" : "Error";
  s.finished_at = clock_.WallNow();
  s.pid = 0;
  runtime::ContainerStatus copy = s;
  auto waiters = std::move(it->second.stop_waiters);
  if (exit_handler_) exit_handler_(copy);
  for (auto& w : waiters) w({});
}

void FakeRuntime::Exit(const std::string& id, int exit_code) {
  Later(base::Duration::zero(), [this, id, exit_code] { MarkExited(id, exit_code, 0); });
}

void FakeRuntime::StopContainer(const std::string& id, base::Duration grace,
                                std::function<void(base::Status)> done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) {
    Later(base::Duration::zero(), [done] { done(base::Error{"no such container"}); });
    return;
  }
  stops.push_back({id, it->second.status.name, grace, clock_.Now()});
  if (fail_stop.count(it->second.status.name) != 0) {
    Later(base::Duration::zero(), [done, id] { done(base::Error{"cannot stop " + id}); });
    return;
  }
  if (it->second.status.state != runtime::ContainerState::kRunning) {
    Later(base::Duration::zero(), [done] { done({}); });
    return;
  }
  it->second.stop_waiters.push_back(std::move(done));
  if (ignore_sigterm.count(it->second.status.name) != 0) {
    Later(std::max(grace, base::Duration::zero()), [this, id] { MarkExited(id, 137, 9); });
  } else {
    Later(std::min(term_delay, std::max(grace, base::Duration::zero())),
          [this, id] { MarkExited(id, 143, 15); });
  }
}

void FakeRuntime::ExecSync(const std::string& id, const std::vector<std::string>& argv,
                           base::Duration timeout,
                           std::function<void(runtime::ExecSyncResult)> done) {
  execs.push_back({id, argv, timeout});
  runtime::ExecSyncResult r;
  r.status = runtime::ExecSyncResult::Status::kExited;
  if (!argv.empty()) {
    if (auto it = exec_results.find(argv[0]); it != exec_results.end()) r = it->second;
  }
  auto c = containers_.find(id);
  if (c == containers_.end() || c->second.status.state != runtime::ContainerState::kRunning) {
    r = {};
    r.status = runtime::ExecSyncResult::Status::kError;
    r.error = "container not running";
  }
  Later(exec_delay, [done, r] { done(r); });
}

std::optional<runtime::ContainerStatus> FakeRuntime::GetContainerStatus(
    const std::string& id) const {
  auto it = containers_.find(id);
  if (it == containers_.end()) return std::nullopt;
  return it->second.status;
}

std::vector<runtime::ContainerStatus> FakeRuntime::ListContainers() const {
  std::vector<runtime::ContainerStatus> out;
  for (const auto& [id, c] : containers_) out.push_back(c.status);
  return out;
}

base::Status FakeRuntime::RemoveContainer(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return base::Error{"no such container"};
  if (it->second.status.state == runtime::ContainerState::kRunning) {
    return base::Error{"container is running"};
  }
  containers_.erase(it);
  return {};
}

std::string FakeRuntime::Latest(const std::string& name) const {
  const Container* best = nullptr;
  for (const auto& [id, c] : containers_) {
    if (c.status.name == name && (best == nullptr || c.seq > best->seq)) best = &c;
  }
  return best ? best->status.id : "";
}

int FakeRuntime::CountCreated(const std::string& name) const {
  int n = 0;
  for (const auto& c : creates) n += c.container.name == name;
  return n;
}

int FakeRuntime::running_count() const {
  int n = 0;
  for (const auto& [id, c] : containers_) n += c.status.state == runtime::ContainerState::kRunning;
  return n;
}

}  // namespace probelet::kubelet::testing
