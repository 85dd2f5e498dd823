// CriRuntime's calls: sandboxes, containers, exec and images. The relist, health and shutdown
// are in cri_relist.cc. Every RPC callback captures `this`: the client is destroyed first
// (cri_runtime.h) and never calls back after that; nothing touches `this` after a caller's
// `done` that might destroy the runtime, unless an alive token says it is still there.
#include "runtime/cri/cri_runtime.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <filesystem>

#include "base/go_grpc_status.h"
#include "runtime/cri/cri_status.h"
#include "runtime/cri/kuberuntime_config.h"
#include "runtime/cri/kuberuntime_security.h"

namespace probelet::runtime::cri {

CriRuntime::CriRuntime(boost::asio::io_context& io, base::Clock& clock,
                       std::unique_ptr<CriClient> client, CriRuntimeOptions options)
    : io_(io),
      clock_(clock),
      options_(std::move(options)),
      relist_timer_(clock.NewTimer()),
      client_(std::move(client)) {}

CriRuntime::~CriRuntime() = default;

void CriRuntime::Post(std::function<void()> fn) {
  boost::asio::post(io_, [alive = Alive(alive_), fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

CriRuntime::Container* CriRuntime::Find(const std::string& id) {
  auto it = containers_.find(std::string(ParseContainerId(id)));
  return it == containers_.end() ? nullptr : &it->second;
}

const CriRuntime::Container* CriRuntime::Find(const std::string& id) const {
  auto it = containers_.find(std::string(ParseContainerId(id)));
  return it == containers_.end() ? nullptr : &it->second;
}

base::Error CriRuntime::CallError(const RpcError& error) {
  OnCallFailed(error);
  return base::Error{base::GoStatusError(static_cast<int>(error.code), error.message)};
}

void CriRuntime::CheckRuntime(std::function<void(base::Expected<RuntimeInfo>)> done) {
  v1::VersionRequest version;
  version.set_version("0.1.0");  // the kubelet's
  client_->Version(version, options_.status_timeout, [this, done](auto v) {
    if (!v) {
      done(CallError(v.error()));
      return;
    }
    RuntimeInfo info;
    info.runtime_name = v->runtime_name();
    info.runtime_version = v->runtime_version();
    info.runtime_api_version = v->runtime_api_version();
    client_->Status(v1::StatusRequest(), options_.status_timeout, [this, done, info](auto s) {
      if (!s) {
        done(CallError(s.error()));
        return;
      }
      RuntimeInfo out = info;
      out.network_message = "NetworkReady condition missing";
      bool runtime_ready = false;
      std::string not_ready = "RuntimeReady condition missing";
      for (const auto& c : s->status().conditions()) {
        if (c.type() == "RuntimeReady") {
          runtime_ready = c.status();
          not_ready = "RuntimeReady=false reason:" + c.reason() + " message:" + c.message();
        } else if (c.type() == "NetworkReady") {
          out.network_ready = c.status();
          // As the kubelet words it ("container runtime network not ready: ...").
          out.network_message =
              "NetworkReady=false reason:" + c.reason() + " message:" + c.message();
        }
      }
      if (!runtime_ready) {
        done(base::Error{"container runtime not ready: " + not_ready});
        return;
      }
      if (!out.runtime_name.empty()) name_ = out.runtime_name;
      if (!relist_timer_->armed() && !relisting_ && !shut_down_) {
        ScheduleRelist(options_.relist_period);
      }
      done(std::move(out));
    });
  });
}

void CriRuntime::RunPodSandbox(const PodSandboxConfig& config,
                               std::function<void(base::Expected<PodSandbox>)> done) {
  if (config.pod == nullptr) {
    Post([done] { done(base::Error{"RunPodSandbox without a pod"}); });
    return;
  }
  // The kubelet creates the pod's log directory before the sandbox (createPodSandbox).
  if (!config.log_directory.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(config.log_directory, ec);
    if (ec) {
      Post([done, dir = config.log_directory, ec] {
        done(base::Error{"create pod log directory " + dir + ": " + ec.message(), ec.value()});
      });
      return;
    }
  }
  const api::Pod& pod = *config.pod;
  SandboxOptions so{options_.instance, options_.cgroup_root + "/pod" + pod.metadata.uid,
                    options_.cni_network};
  if (auto adopted = unclaimed_sandboxes_.find(pod.metadata.uid);
      adopted != unclaimed_sandboxes_.end()) {
    // An earlier probelet's sandbox for this very pod (the UID follows the content): its
    // containers run in it, so it is handed back, with the config it was made with.
    const std::string id = adopted->second;
    unclaimed_sandboxes_.erase(adopted);
    Sandbox& sandbox = sandboxes_[id];
    PodSandboxConfig made_with = config;
    made_with.attempt = static_cast<int32_t>(sandbox.config.metadata().attempt());
    sandbox = Sandbox{pod, MakePodSandboxConfig(made_with, so)};
    // Its adopted containers show the image as the spec names it, as the ones made here do.
    for (auto& [bare, c] : containers_) {
      if (c.sandbox_id != id) continue;
      for (const auto* list : {&pod.spec.init_containers, &pod.spec.containers}) {
        for (const auto& spec : *list) {
          if (spec.name == c.status.name) c.status.image = spec.image;
        }
      }
    }
    AnswerSandbox(
        id, sandbox.config.linux().security_context().namespace_options().network() == v1::NODE,
        std::move(done));
    return;
  }
  Sandbox sandbox{pod, MakePodSandboxConfig(config, so)};
  v1::RunPodSandboxRequest request;
  *request.mutable_config() = sandbox.config;
  client_->RunPodSandbox(
      std::move(request), options_.call_timeout,
      [this, sandbox = std::move(sandbox), done](auto r) mutable {
        if (!r) {
          done(CallError(r.error()));
          return;
        }
        const std::string id = r->pod_sandbox_id();
        bool node_network =
            sandbox.config.linux().security_context().namespace_options().network() == v1::NODE;
        sandboxes_[id] = std::move(sandbox);
        AnswerSandbox(id, node_network, std::move(done));
      });
}

void CriRuntime::AnswerSandbox(const std::string& id, bool node_network,
                               std::function<void(base::Expected<PodSandbox>)> done) {
  v1::PodSandboxStatusRequest status;
  status.set_pod_sandbox_id(id);
  client_->PodSandboxStatus(
      std::move(status), options_.status_timeout, [this, id, node_network, done](auto s) {
        if (!s) {
          done(CallError(s.error()));
          return;
        }
        // The kubelet ignores the sandbox's IPs for a host-network pod.
        std::string ip = node_network ? options_.node_ip : s->status().network().ip();
        if (ip.empty()) {
          done(base::Error{"pod sandbox " + id + " has no IP"});
          return;
        }
        done(PodSandbox{id, ip});
      });
}

void CriRuntime::StopPodSandbox(const std::string& sandbox_id,
                                std::function<void(base::Status)> done) {
  if (!sandboxes_.contains(sandbox_id)) {
    Post([done] { done(base::Status::Ok()); });
    return;
  }
  v1::StopPodSandboxRequest request;
  request.set_pod_sandbox_id(sandbox_id);
  client_->StopPodSandbox(
      std::move(request), options_.call_timeout, [this, sandbox_id, done](auto r) {
        if (!r && r.code() != grpc::StatusCode::NOT_FOUND) {
          done(CallError(r.error()));
          return;
        }
        // Its containers were killed: record their exits first.
        std::vector<std::string> ids;
        for (const auto& [id, c] : containers_) {
          if (c.sandbox_id == sandbox_id && c.status.state != ContainerState::kExited) {
            ids.push_back(id);
          }
        }
        RefreshMany(ids, [done] { done(base::Status::Ok()); });
      });
}

void CriRuntime::RemovePodSandbox(const std::string& sandbox_id,
                                  std::function<void(base::Status)> done) {
  if (!sandboxes_.contains(sandbox_id)) {
    Post([done] { done(base::Status::Ok()); });
    return;
  }
  v1::RemovePodSandboxRequest request;
  request.set_pod_sandbox_id(sandbox_id);
  client_->RemovePodSandbox(
      std::move(request), options_.call_timeout, [this, sandbox_id, done](auto r) {
        if (!r && r.code() != grpc::StatusCode::NOT_FOUND) {
          done(CallError(r.error()));
          return;
        }
        sandboxes_.erase(sandbox_id);
        std::erase_if(unclaimed_sandboxes_,
                      [&](const auto& entry) { return entry.second == sandbox_id; });
        std::erase_if(containers_,
                      [&](const auto& entry) { return entry.second.sandbox_id == sandbox_id; });
        done(base::Status::Ok());
      });
}

void CriRuntime::CreateContainer(const ContainerConfig& config,
                                 std::function<void(base::Expected<std::string>)> done) {
  auto sandbox = sandboxes_.find(config.sandbox_id);
  if (sandbox == sandboxes_.end()) {
    Post([done, id = config.sandbox_id] { done(base::Error{"unknown pod sandbox " + id}); });
    return;
  }
  // verifyRunAsNonRoot needs the image's user only when runAsNonRoot is on without runAsUser.
  api::SecurityContext effective =
      DetermineEffectiveSecurityContext(sandbox->second.pod, config.container);
  if (!effective.run_as_non_root.value_or(false) || effective.run_as_user) {
    CreateWithImage(config, nullptr, std::move(done));
    return;
  }
  v1::ImageStatusRequest request;
  request.mutable_image()->set_image(config.image_ref);
  client_->ImageStatus(std::move(request), options_.status_timeout, [this, config, done](auto r) {
    if (!r) {
      done(CallError(r.error()));
      return;
    }
    CreateWithImage(config, r->has_image() ? &r->image() : nullptr, done);
  });
}

void CriRuntime::CreateWithImage(const ContainerConfig& config, const v1::Image* image,
                                 std::function<void(base::Expected<std::string>)> done) {
  auto fail = [this, &done](base::Error error) {
    Post([done, error = std::move(error)] { done(error); });
  };
  auto it = sandboxes_.find(config.sandbox_id);
  if (it == sandboxes_.end()) return fail(base::Error{"unknown pod sandbox " + config.sandbox_id});
  const Sandbox& sandbox = it->second;
  if (auto s = VerifyRunAsNonRoot(sandbox.pod, config.container, image); !s) {
    return fail(s.error());
  }
  auto cri = MakeContainerConfig(config, sandbox.pod, sandbox.config, options_.instance,
                                 options_.memory_capacity);
  if (!cri) return fail(cri.error());
  // The kubelet's volume manager makes the emptyDirs before the containers start.
  for (const auto& volume : sandbox.pod.spec.volumes) {
    if (!volume.empty_dir) continue;
    std::string dir = EmptyDirPath(sandbox.config, volume.name);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return fail(base::Error{"create emptyDir " + dir + ": " + ec.message(), ec.value()});
  }
  Container c;
  c.sandbox_id = config.sandbox_id;
  c.status.name = config.container.name;
  c.status.state = ContainerState::kCreated;
  c.status.image = config.container.image;
  c.status.image_ref = config.image_ref;
  c.status.pod_uid = config.pod.uid;
  c.status.restart_count = config.restart_count;
  c.status.termination_grace_period_seconds = sandbox.pod.spec.termination_grace_period_seconds;
  if (!sandbox.config.log_directory().empty()) {
    c.status.log_path = sandbox.config.log_directory() + "/" + cri->log_path();
  }
  v1::CreateContainerRequest request;
  request.set_pod_sandbox_id(config.sandbox_id);
  *request.mutable_config() = std::move(*cri);
  *request.mutable_sandbox_config() = sandbox.config;
  client_->CreateContainer(std::move(request), options_.call_timeout,
                           [this, c = std::move(c), done](auto r) mutable {
                             if (!r) {
                               done(CallError(r.error()));
                               return;
                             }
                             const std::string& bare = r->container_id();
                             c.status.id = FormatContainerId(name_, bare);
                             c.status.created_at = clock_.WallNow();
                             std::string id = c.status.id;
                             containers_[bare] = std::move(c);
                             done(std::move(id));
                           });
}

void CriRuntime::StartContainer(const std::string& id, std::function<void(base::Status)> done) {
  if (Find(id) == nullptr) {
    Post([done, id] { done(base::Error{"unknown container " + id}); });
    return;
  }
  const std::string bare(ParseContainerId(id));
  v1::StartContainerRequest request;
  request.set_container_id(bare);
  client_->StartContainer(std::move(request), options_.call_timeout, [this, bare, done](auto r) {
    Container* c = Find(bare);
    if (!r) {
      base::Error error = CallError(r.error());
      if (c == nullptr) {
        done(error);
        return;
      }
      // Recorded as exited StartError, never reported to the exit handler: `done` says it.
      c->exit_reported = true;
      c->status.state = ContainerState::kExited;
      c->status.exit_code = 128;
      c->status.reason = "StartError";
      c->status.message = r.error().message;
      c->status.finished_at = clock_.WallNow();
      // containerd's own record (its finishedAt and message) when it answers.
      RefreshStatus(bare, [done, error] { done(error); });
      return;
    }
    if (c == nullptr) {  // removed meanwhile
      done(base::Status::Ok());
      return;
    }
    c->started = true;
    // startedAt from the runtime; an exit already seen is reported after `done`.
    c->exit_reported = true;
    RefreshStatus(bare, [this, bare, done, alive = Alive(alive_)] {
      done(base::Status::Ok());
      if (alive.expired()) return;
      if (Container* c = Find(bare)) {
        c->exit_reported = false;
        if (c->status.state == ContainerState::kExited) ReportExit(bare);
      }
    });
  });
}

void CriRuntime::StopContainer(const std::string& id, base::Duration grace_period,
                               std::function<void(base::Status)> done) {
  const Container* c = Find(id);
  if (c == nullptr) {
    Post([done, id] { done(base::Error{"unknown container " + id}); });
    return;
  }
  if (c->status.state == ContainerState::kExited) {
    Post([done] { done(base::Status::Ok()); });
    return;
  }
  const std::string bare(ParseContainerId(id));
  int64_t timeout = CeilSeconds(grace_period);
  v1::StopContainerRequest request;
  request.set_container_id(bare);
  request.set_timeout(timeout);
  // The runtime answers once the container has exited: up to `timeout`, plus the call's time.
  client_->StopContainer(std::move(request), std::chrono::seconds(timeout) + options_.call_timeout,
                         [this, bare, done](auto r) {
                           if (!r) {
                             done(CallError(r.error()));
                             return;
                           }
                           RefreshStatus(bare, [done] { done(base::Status::Ok()); });
                         });
}

void CriRuntime::ExecSync(const std::string& id, const std::vector<std::string>& argv,
                          base::Duration timeout, std::function<void(ExecSyncResult)> done) {
  Container* c = Find(id);
  if (c == nullptr) {
    Post([done, id] {
      ExecSyncResult r;
      r.error = "container not found (" + id + ")";
      done(std::move(r));
    });
    return;
  }
  const std::string bare(ParseContainerId(id));
  // The direct path only while the container runs: the pid of an exited one may be reused.
  if (!options_.direct_exec || c->status.state != ContainerState::kRunning) {
    ExecThroughCri(bare, argv, timeout, std::move(done));
    return;
  }
  if (c->init_pid > 0) {
    if (!options_.direct_exec(c->init_pid, argv, timeout, done)) {
      ExecThroughCri(bare, argv, timeout, std::move(done));
    }
    return;
  }
  v1::ContainerStatusRequest request;
  request.set_container_id(bare);
  request.set_verbose(true);
  client_->ContainerStatus(
      std::move(request), options_.status_timeout, [this, bare, argv, timeout, done](auto r) {
        Container* c = Find(bare);
        int pid = r ? InitPidFromInfo(r->info()) : 0;
        if (c != nullptr && r && r->status().state() == v1::CONTAINER_RUNNING) {
          c->init_pid = pid;
        } else {
          pid = 0;
        }
        if (pid <= 0 || !options_.direct_exec(pid, argv, timeout, done)) {
          ExecThroughCri(bare, argv, timeout, done);
        }
      });
}

void CriRuntime::ExecThroughCri(const std::string& id, const std::vector<std::string>& argv,
                                base::Duration timeout, std::function<void(ExecSyncResult)> done) {
  int64_t seconds = CeilSeconds(timeout);
  v1::ExecSyncRequest request;
  request.set_container_id(id);
  for (const auto& arg : argv) request.add_cmd(arg);
  request.set_timeout(seconds);
  client_->ExecSync(std::move(request),
                    ExecDeadline(seconds, options_.exec_margin, options_.exec_without_timeout),
                    [this, seconds, done](auto r) {
                      if (!r) OnCallFailed(r.error());
                      done(ToExecSyncResult(r, seconds));
                    });
}

std::optional<ContainerStatus> CriRuntime::GetContainerStatus(const std::string& id) const {
  const Container* c = Find(id);
  if (c == nullptr) return std::nullopt;
  return c->status;
}

std::vector<ContainerStatus> CriRuntime::ListContainers() const {
  std::vector<ContainerStatus> out;
  out.reserve(containers_.size());
  for (const auto& [id, c] : containers_) out.push_back(c.status);
  return out;
}

std::vector<PodSandboxStatus> CriRuntime::ListPodSandboxes() const {
  std::vector<PodSandboxStatus> out;
  out.reserve(sandboxes_.size());
  for (const auto& [id, s] : sandboxes_) out.push_back({id, s.config.metadata().uid()});
  return out;
}

base::Status CriRuntime::RemoveContainer(const std::string& id) {
  const Container* c = Find(id);
  if (c == nullptr) return base::Error{"unknown container " + id};
  if (c->status.state == ContainerState::kRunning) {
    return base::Error{"container " + id + " is running: stop it first"};
  }
  const std::string bare(ParseContainerId(id));
  containers_.erase(bare);
  v1::RemoveContainerRequest request;
  request.set_container_id(bare);
  client_->RemoveContainer(std::move(request), options_.call_timeout, [this, bare](auto r) {
    if (r || r.code() == grpc::StatusCode::NOT_FOUND) return;
    base::Error e = CallError(r.error());
    spdlog::warn("cri: RemoveContainer {}: {}", bare, e.message);
  });
  return base::Status::Ok();
}

void CriRuntime::ImageStatus(const std::string& image,
                             std::function<void(base::Expected<std::optional<ImageInfo>>)> done) {
  v1::ImageStatusRequest request;
  request.mutable_image()->set_image(image);
  client_->ImageStatus(std::move(request), options_.status_timeout, [this, done](auto r) {
    if (!r) {
      done(CallError(r.error()));
      return;
    }
    if (!r->has_image()) {
      done(std::optional<ImageInfo>());
      return;
    }
    done(std::optional<ImageInfo>(ImageInfo{r->image().id(), r->image().size()}));
  });
}

void CriRuntime::PullImage(const std::string& image,
                           std::function<void(base::Expected<ImageInfo>)> done) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image(image);
  client_->PullImage(std::move(request), options_.pull_timeout, [this, done](auto r) {
    if (!r) {
      done(CallError(r.error()));
      return;
    }
    std::string ref = r->image_ref();
    ImageStatus(ref, [done, ref](base::Expected<std::optional<ImageInfo>> status) {
      if (status.ok() && status->has_value()) {
        done(**status);
      } else {
        done(ImageInfo{ref, 0});  // pulled; its size is not known
      }
    });
  });
}

}  // namespace probelet::runtime::cri
