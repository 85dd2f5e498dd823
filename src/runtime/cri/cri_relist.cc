// CriRuntime's view of the runtime over time: the relist (the kubelet's generic PLEG:
// ListContainers every period, ContainerStatus for what changed), the statuses it applies and
// the exits it reports, the runtime's health, and the shutdown that removes what this instance
// made. The calls themselves are in cri_runtime.cc.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "base/go_grpc_status.h"
#include "runtime/cri/cri_runtime.h"
#include "runtime/cri/cri_status.h"

namespace probelet::runtime::cri {
namespace {

std::optional<ContainerState> FromCriState(v1::ContainerState state) {
  switch (state) {
    case v1::CONTAINER_CREATED:
      return ContainerState::kCreated;
    case v1::CONTAINER_RUNNING:
      return ContainerState::kRunning;
    case v1::CONTAINER_EXITED:
      return ContainerState::kExited;
    default:
      return std::nullopt;  // UNKNOWN: ask ContainerStatus
  }
}

}  // namespace

void CriRuntime::OnCallFailed(const RpcError& error) {
  if (error.code != grpc::StatusCode::UNAVAILABLE) return;
  SetHealthy(false, "container runtime at " + client_->endpoint() + " is not answering: " +
                        base::GoStatusError(static_cast<int>(error.code), error.message));
}

void CriRuntime::SetHealthy(bool healthy, const std::string& message) {
  if (healthy == healthy_) return;
  healthy_ = healthy;
  if (healthy) {
    spdlog::info("cri: {}", message);
  } else {
    spdlog::warn("cri: {}", message);
  }
  if (health_handler_) health_handler_(healthy, message);
}

void CriRuntime::RefreshStatus(const std::string& id, std::function<void()> then) {
  Container* c = Find(id);
  if (c == nullptr) {
    then();
    return;
  }
  ++c->refreshing;
  v1::ContainerStatusRequest request;
  request.set_container_id(id);
  client_->ContainerStatus(std::move(request), options_.status_timeout, [this, id, then](auto r) {
    Container* c = Find(id);
    if (c == nullptr) {  // removed meanwhile
      then();
      return;
    }
    --c->refreshing;
    bool report = false;
    if (r) {
      report = ApplyStatus(*c, r->status());
    } else if (r.code() == grpc::StatusCode::NOT_FOUND) {
      // Removed behind probelet's back. The kubelet shows such a container as terminated
      // with ContainerStatusUnknown and 137 (convertToAPIContainerStatuses).
      if (c->status.state != ContainerState::kExited) {
        c->status.message =
            "The container could not be located in the runtime. The "
            "container used to be " +
            std::string(ToString(c->status.state));
        c->status.state = ContainerState::kExited;
        c->status.exit_code = 137;
        c->status.signal = 9;
        c->status.reason = "ContainerStatusUnknown";
        c->status.finished_at = clock_.WallNow();
        report = c->started && !c->exit_reported;
      }
    } else {
      OnCallFailed(r.error());
    }
    if (report) ReportExit(id);
    then();
  });
}

void CriRuntime::RefreshMany(const std::vector<std::string>& ids, std::function<void()> then) {
  if (ids.empty()) {
    then();
    return;
  }
  auto left = std::make_shared<size_t>(ids.size());
  for (const auto& id : ids) {
    RefreshStatus(id, [left, then] {
      if (--*left == 0) then();
    });
  }
}

bool CriRuntime::ApplyStatus(Container& c, const v1::ContainerStatus& status) {
  // Exited is final: a late or stale answer never brings a container back (a StartError
  // recorded here while containerd still lists it CREATED, say).
  if (c.status.state == ContainerState::kExited && status.state() != v1::CONTAINER_EXITED) {
    return false;
  }
  ContainerStatus next = ToContainerStatus(status, name_, c.status.image);
  if (next.log_path.empty()) next.log_path = c.status.log_path;
  if (next.image_ref.empty()) next.image_ref = c.status.image_ref;
  if (next.name.empty()) next.name = c.status.name;
  if (next.pod_uid.empty()) {  // a runtime that does not return labels
    next.pod_uid = c.status.pod_uid;
    next.restart_count = c.status.restart_count;
    next.termination_grace_period_seconds = c.status.termination_grace_period_seconds;
  }
  if (next.state != ContainerState::kRunning) c.init_pid = 0;
  c.status = std::move(next);
  return c.started && c.status.state == ContainerState::kExited && !c.exit_reported;
}

void CriRuntime::ReportExit(const std::string& id) {
  Container* c = Find(id);
  if (c == nullptr || c->exit_reported) return;
  c->exit_reported = true;
  if (shut_down_ || !exit_handler_) return;
  ContainerStatus status = c->status;  // the handler may remove the container
  exit_handler_(status);
}

void CriRuntime::ScheduleRelist(base::Duration after) {
  relist_timer_->Arm(clock_.Now() + after, [this] { Relist(); });
}

void CriRuntime::Relist() {
  if (shut_down_) return;
  relisting_ = true;
  auto request = InstanceRequest<v1::ListContainersRequest>();
  client_->ListContainers(std::move(request), options_.status_timeout,
                          [this](auto r) { OnRelist(std::move(r)); });
}

void CriRuntime::OnRelist(RpcResult<v1::ListContainersResponse> result) {
  relisting_ = false;
  if (shut_down_) return;
  if (!result) {
    // The PLEG's relist failing is the kubelet's "PLEG is not healthy" / runtime down: report
    // it once, keep the last known states, and retry less often.
    SetHealthy(false, "container runtime at " + client_->endpoint() + " is not answering: " +
                          base::GoStatusError(static_cast<int>(result.error().code),
                                              result.error().message));
    relist_backoff_ = relist_backoff_ == base::Duration::zero()
                          ? options_.relist_period
                          : std::min(relist_backoff_ * 2, options_.relist_max_backoff);
    ScheduleRelist(relist_backoff_);
    return;
  }
  relist_backoff_ = base::Duration::zero();
  ++relist_count_;
  SetHealthy(true, "container runtime at " + client_->endpoint() + " answers again");
  std::map<std::string, v1::ContainerState> listed;
  for (const auto& item : result->containers()) listed[item.id()] = item.state();
  std::vector<std::string> changed;
  for (const auto& [id, c] : containers_) {
    if (c.status.state == ContainerState::kExited || c.refreshing > 0) continue;
    auto it = listed.find(id);
    // Not listed: removed, or created after the list was taken; ContainerStatus tells which.
    if (it == listed.end() || FromCriState(it->second) != c.status.state) changed.push_back(id);
  }
  for (const auto& id : changed) RefreshStatus(id, [] {});
  ScheduleRelist(options_.relist_period);
}

void CriRuntime::Shutdown(std::function<void(base::Status)> done) {
  shut_down_ = true;
  relist_timer_->Cancel();
  RemoveLabelledSandboxes([done](base::Expected<size_t> removed) {
    done(removed.ok() ? base::Status::Ok() : base::Status(removed.error()));
  });
}

void CriRuntime::RemoveLabelledSandboxes(std::function<void(base::Expected<size_t>)> done) {
  auto request = InstanceRequest<v1::ListPodSandboxRequest>();
  client_->ListPodSandbox(std::move(request), options_.status_timeout, [this, done](auto r) {
    if (!r) {
      done(CallError(r.error()));
      return;
    }
    std::vector<std::string> ids;
    for (const auto& item : r->items()) ids.push_back(item.id());
    StopAndRemoveSandboxes(ids, [this, done, n = ids.size()](base::Status status) {
      sandboxes_.clear();
      containers_.clear();
      unclaimed_sandboxes_.clear();
      if (status.ok()) {
        done(n);
      } else {
        done(status.error());
      }
    });
  });
}

void CriRuntime::StopAndRemoveSandboxes(const std::vector<std::string>& ids,
                                        std::function<void(base::Status)> done) {
  struct Progress {
    size_t left = 0;
    base::Status first;
    std::function<void(base::Status)> done;
  };
  auto progress = std::make_shared<Progress>();
  progress->left = ids.size();
  progress->done = std::move(done);
  if (ids.empty()) {
    Post([progress] { progress->done(base::Status::Ok()); });
    return;
  }
  auto finish_one = [progress](base::Status status) {
    if (!status.ok() && progress->first.ok()) progress->first = status;
    if (--progress->left == 0) progress->done(progress->first);
  };
  for (const auto& id : ids) {
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(id);
    client_->StopPodSandbox(
        std::move(stop), options_.call_timeout, [this, id, finish_one](auto stopped) {
          if (!stopped && stopped.code() != grpc::StatusCode::NOT_FOUND) {
            finish_one(CallError(stopped.error()));
            return;
          }
          v1::RemovePodSandboxRequest remove;
          remove.set_pod_sandbox_id(id);
          client_->RemovePodSandbox(
              std::move(remove), options_.call_timeout, [this, finish_one](auto removed) {
                if (!removed && removed.code() != grpc::StatusCode::NOT_FOUND) {
                  finish_one(CallError(removed.error()));
                  return;
                }
                finish_one(base::Status::Ok());
              });
        });
  }
}

}  // namespace probelet::runtime::cri
