#include "kubelet/testing/fake_runtime.h"

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
  auto& c = containers_.Create(config.container.name, clock_.WallNow(), config);
  c.status.log_path = config.log_directory + "/" + std::to_string(config.restart_count) + ".log";
  creates.push_back(config);
  Later(create_delay, [done, id = c.status.id] { done(id); });
}

void FakeRuntime::StartContainer(const std::string& id, std::function<void(base::Status)> done) {
  if (containers_.Find(id) == nullptr) {
    Later(start_delay, [done] { done(base::Error{"no such container"}); });
    return;
  }
  Later(start_delay, [this, id, done] {
    auto* c = containers_.Find(id);
    if (c == nullptr) {
      done(base::Error{"no such container"});
      return;
    }
    auto& s = c->status;
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
    s.pid = static_cast<int>(1000 + c->seq);
    done(base::Status::Ok());
  });
}

void FakeRuntime::MarkExited(const std::string& id, int exit_code, int signal) {
  containers_.MarkExited(id, exit_code, signal, clock_.WallNow(), exit_handler_);
}

void FakeRuntime::Exit(const std::string& id, int exit_code) {
  Later(base::Duration::zero(), [this, id, exit_code] { MarkExited(id, exit_code, 0); });
}

void FakeRuntime::StopContainer(const std::string& id, base::Duration grace,
                                std::function<void(base::Status)> done) {
  auto* c = containers_.Find(id);
  if (c == nullptr) {
    Later(base::Duration::zero(), [done] { done(base::Error{"no such container"}); });
    return;
  }
  stops.push_back({id, c->status.name, grace, clock_.Now()});
  if (fail_stop.count(c->status.name) != 0) {
    Later(base::Duration::zero(), [done, id] { done(base::Error{"cannot stop " + id}); });
    return;
  }
  if (c->status.state != runtime::ContainerState::kRunning) {
    Later(base::Duration::zero(), [done] { done({}); });
    return;
  }
  c->stop_waiters.push_back(std::move(done));
  if (ignore_sigterm.count(c->status.name) != 0) {
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
  const auto* c = containers_.Find(id);
  if (c == nullptr || c->status.state != runtime::ContainerState::kRunning) {
    r = {};
    r.status = runtime::ExecSyncResult::Status::kError;
    r.error = "container not running";
  }
  Later(exec_delay, [done, r] { done(r); });
}

std::optional<runtime::ContainerStatus> FakeRuntime::GetContainerStatus(
    const std::string& id) const {
  return containers_.Status(id);
}

std::vector<runtime::ContainerStatus> FakeRuntime::ListContainers() const {
  return containers_.List();
}

base::Status FakeRuntime::RemoveContainer(const std::string& id) { return containers_.Remove(id); }

std::string FakeRuntime::Latest(const std::string& name) const {
  const decltype(containers_)::Record* best = nullptr;
  for (const auto& [id, c] : containers_.records()) {
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
  for (const auto& [id, c] : containers_.records())
    n += c.status.state == runtime::ContainerState::kRunning;
  return n;
}

}  // namespace probelet::kubelet::testing
