// CriRuntime::Adopt: what an earlier probelet with the same instance label left in the runtime,
// read back as a restarted kubelet reads its pods from the CRI (its labels and annotations), so
// that a probelet restart neither kills nor starts twice a container that runs in containerd.
// The sandboxes wait here, unclaimed, until their pod's RunPodSandbox (cri_runtime.cc) takes
// them back; the kubelet layer removes those of pods no manifest has any more.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <tuple>

#include "runtime/cri/cri_runtime.h"
#include "runtime/cri/cri_status.h"

namespace probelet::runtime::cri {

void CriRuntime::Adopt(std::function<void(base::Expected<Adopted>)> done) {
  auto request = InstanceRequest<v1::ListPodSandboxRequest>();
  client_->ListPodSandbox(std::move(request), options_.status_timeout, [this, done](auto r) {
    if (!r) {
      done(CallError(r.error()));
      return;
    }
    // Per pod, the newest ready sandbox is the one its containers run in (a kubelet makes a
    // new attempt only after the old one stopped); any other is stale.
    std::vector<const v1::PodSandbox*> items;
    for (const auto& item : r->items()) items.push_back(&item);
    std::sort(items.begin(), items.end(), [](const auto* a, const auto* b) {
      return std::make_tuple(a->metadata().uid(), b->metadata().attempt(), b->created_at()) <
             std::make_tuple(b->metadata().uid(), a->metadata().attempt(), a->created_at());
    });
    auto adopted = std::make_shared<Adopted>();
    std::vector<std::string> stale;
    for (const v1::PodSandbox* item : items) {
      const std::string& uid = item->metadata().uid();
      if (item->state() != v1::SANDBOX_READY || uid.empty() || unclaimed_sandboxes_.contains(uid)) {
        stale.push_back(item->id());
        continue;
      }
      Sandbox& sandbox = sandboxes_[item->id()];
      *sandbox.config.mutable_metadata() = item->metadata();
      unclaimed_sandboxes_[uid] = item->id();
      ++adopted->sandboxes;
    }
    AdoptContainers(adopted, std::move(stale), done);
  });
}

void CriRuntime::AdoptContainers(std::shared_ptr<Adopted> adopted, std::vector<std::string> stale,
                                 std::function<void(base::Expected<Adopted>)> done) {
  auto request = InstanceRequest<v1::ListContainersRequest>();
  client_->ListContainers(
      std::move(request), options_.status_timeout,
      [this, adopted, stale = std::move(stale), done](auto r) {
        if (!r) {
          done(CallError(r.error()));
          return;
        }
        std::vector<v1::Container> keep;
        for (const auto& item : r->containers()) {
          // A stale sandbox's containers go with it.
          if (!sandboxes_.contains(item.pod_sandbox_id())) continue;
          if (item.state() == v1::CONTAINER_CREATED) {
            // Made but never started: the pod worker would start it anew under another ID.
            v1::RemoveContainerRequest remove;
            remove.set_container_id(item.id());
            client_->RemoveContainer(std::move(remove), options_.call_timeout,
                                     [id = item.id()](auto removed) {
                                       if (!removed) {
                                         spdlog::warn("cri: remove unstarted container {}: {}", id,
                                                      removed.error().message);
                                       }
                                     });
            continue;
          }
          keep.push_back(item);
        }
        AdoptStatuses(std::move(keep), adopted, [this, adopted, stale, done] {
          StopAndRemoveSandboxes(stale, [adopted, n = stale.size(), done](base::Status removed) {
            if (!removed.ok()) {
              done(removed.error());
              return;
            }
            adopted->removed = n;
            done(*adopted);
          });
        });
      });
}

void CriRuntime::AdoptStatuses(std::vector<v1::Container> items, std::shared_ptr<Adopted> adopted,
                               std::function<void()> then) {
  if (items.empty()) {
    Post(std::move(then));
    return;
  }
  auto left = std::make_shared<size_t>(items.size());
  for (const auto& item : items) {
    v1::ContainerStatusRequest request;
    request.set_container_id(item.id());
    client_->ContainerStatus(
        std::move(request), options_.status_timeout,
        [this, adopted, left, then, id = item.id(), sandbox_id = item.pod_sandbox_id()](auto r) {
          if (r) {
            Container c;
            c.sandbox_id = sandbox_id;
            c.status = ToContainerStatus(r->status(), name_, "");
            // Its start happened under the earlier probelet: a running one's exit is reported
            // when the relist sees it, an exited one's is already in its status.
            c.started = true;
            c.exit_reported = c.status.state == ContainerState::kExited;
            containers_[id] = std::move(c);
            ++adopted->containers;
          } else {
            // Gone meanwhile, or not answering: not adopted; the relist or the sandbox's
            // removal deals with what is left.
            spdlog::warn("cri: adopt container {}: {}", id, r.error().message);
          }
          if (--*left == 0) then();
        });
  }
}

}  // namespace probelet::runtime::cri
