#include "kubelet/status_manager.h"

#include <algorithm>
#include <set>

#include "kubelet/status_generation.h"

namespace probelet::kubelet {
namespace {

bool IsTerminal(std::string_view phase) {
  return phase == api::kPodSucceeded || phase == api::kPodFailed;
}

}  // namespace

void StatusManager::AddPod(const api::Pod& pod) {
  auto [it, inserted] = pods_.try_emplace(pod.metadata.uid);
  if (inserted) {
    it->second = std::make_unique<Entry>();
    it->second->order = next_order_++;
    if (checkpoint_ != nullptr) {
      if (auto saved = checkpoint_->Load(pod.metadata.uid)) {
        it->second->pod.status = std::move(*saved);
        it->second->has_status = true;
      }
    }
  }
  Entry& e = *it->second;
  api::PodStatus keep = std::move(e.pod.status);
  e.pod = pod;
  e.pod.status = std::move(keep);
  e.revision = next_revision_++;
}

void StatusManager::PruneCheckpoint() {
  if (checkpoint_ == nullptr) return;
  std::set<std::string, std::less<>> keep;
  for (const auto& [uid, entry] : pods_) keep.insert(uid);
  checkpoint_->RemoveAllExcept(keep);
}

void StatusManager::SetCheckpoint(PodStatusCheckpoint* checkpoint, base::Duration interval) {
  FlushCheckpoint();
  checkpoint_ = checkpoint;
  checkpoint_interval_ = interval;
}

void StatusManager::FlushCheckpoint() {
  if (checkpoint_timer_) checkpoint_timer_->Cancel();
  SaveUnsaved(unsaved_.size());
}

void StatusManager::SaveUnsaved(size_t limit) {
  for (size_t n = 0; n < limit && !unsaved_.empty(); ++n) {
    auto node = unsaved_.extract(unsaved_.begin());
    if (const Entry* e = Find(node.value()); e != nullptr && checkpoint_ != nullptr) {
      checkpoint_->Save(e->pod);
    }
  }
}

void StatusManager::SaveSomeUnsaved() {
  // A bounded batch per turn of the loop: 2,000 pods changed within one interval written in
  // one turn would hold every probe back for most of a second.
  SaveUnsaved(kCheckpointSavesPerTurn);
  if (!unsaved_.empty()) checkpoint_timer_->Arm(clock_.Now(), [this] { SaveSomeUnsaved(); });
}

void StatusManager::RemovePod(std::string_view pod_uid) {
  if (checkpoint_ != nullptr) {
    unsaved_.erase(std::string(pod_uid));
    checkpoint_->Remove(pod_uid);
  }
  auto it = pods_.find(pod_uid);
  if (it == pods_.end()) return;
  std::unique_ptr<Entry> gone = std::move(it->second);
  pods_.erase(it);
  if (removed_observer_) removed_observer_(gone->pod);
}

void StatusManager::MarkDeleted(std::string_view pod_uid, api::Time at,
                                int64_t grace_period_seconds) {
  Entry* e = Find(pod_uid);
  if (e == nullptr || e->pod.metadata.deletion_timestamp) return;
  e->pod.metadata.deletion_timestamp = at;
  e->pod.metadata.deletion_grace_period_seconds = grace_period_seconds;
  e->revision = next_revision_++;
  if (observer_) observer_(e->pod, e->pod.status, e->pod.status);
}

StatusManager::Entry* StatusManager::Find(std::string_view pod_uid) {
  auto it = pods_.find(pod_uid);
  return it == pods_.end() ? nullptr : it->second.get();
}

const api::PodStatus* StatusManager::GetPodStatus(std::string_view pod_uid) const {
  auto it = pods_.find(pod_uid);
  if (it == pods_.end() || !it->second->has_status) return nullptr;
  return &it->second->pod.status;
}

const api::Pod* StatusManager::GetPod(std::string_view pod_uid) const {
  auto it = pods_.find(pod_uid);
  return it == pods_.end() ? nullptr : &it->second->pod;
}

std::vector<StatusManager::PodRevision> StatusManager::ViewPods() const {
  std::vector<const Entry*> entries;
  entries.reserve(pods_.size());
  for (const auto& [uid, e] : pods_) entries.push_back(e.get());
  std::sort(entries.begin(), entries.end(),
            [](const Entry* a, const Entry* b) { return a->order < b->order; });
  std::vector<PodRevision> out;
  out.reserve(entries.size());
  for (const Entry* e : entries) out.push_back({&e->pod, e->revision});
  return out;
}

std::vector<api::Pod> StatusManager::ListPods() const {
  std::vector<PodRevision> views = ViewPods();
  std::vector<api::Pod> out;
  out.reserve(views.size());
  for (const PodRevision& p : views) out.push_back(*p.pod);
  return out;
}

void StatusManager::Store(Entry& entry, api::PodStatus status) {
  if (status == entry.pod.status && entry.has_status) return;
  api::PodStatus old = std::move(entry.pod.status);
  entry.pod.status = std::move(status);
  entry.has_status = true;
  entry.revision = next_revision_++;
  if (checkpoint_ != nullptr && checkpoint_interval_ <= base::Duration::zero()) {
    checkpoint_->Save(entry.pod);
  } else if (checkpoint_ != nullptr) {
    unsaved_.insert(entry.pod.metadata.uid);
    if (!checkpoint_timer_) checkpoint_timer_ = clock_.NewTimer();
    if (!checkpoint_timer_->armed()) {
      checkpoint_timer_->Arm(clock_.Now() + checkpoint_interval_, [this] { SaveSomeUnsaved(); });
    }
  }
  if (observer_) observer_(entry.pod, old, entry.pod.status);
}

void StatusManager::SetPodStatus(std::string_view pod_uid, api::PodStatus status) {
  Entry* e = Find(pod_uid);
  if (e == nullptr) return;
  const api::PodStatus& old = e->pod.status;
  if (e->has_status && IsTerminal(old.phase) && status.phase != old.phase) {
    status.phase = old.phase;
  }
  // Callers normally generate conditions against the stored status already; this keeps the flip
  // rule on every path.
  for (auto& c : status.conditions) {
    const api::PodCondition* before = FindCondition(old.conditions, c.type);
    if (before != nullptr && before->status == c.status) {
      c.last_transition_time = before->last_transition_time;
    } else if (c.last_transition_time == api::Time{}) {
      c.last_transition_time = clock_.WallNow();
    }
  }
  Store(*e, std::move(status));
}

api::ContainerStatus* StatusManager::FindContainer(api::PodStatus& status,
                                                   std::string_view container_id) {
  for (auto* list : {&status.container_statuses, &status.init_container_statuses}) {
    for (auto& s : *list) {
      if (!container_id.empty() && s.container_id == container_id) return &s;
    }
  }
  return nullptr;
}

void StatusManager::SetContainerReadiness(std::string_view pod_uid, std::string_view container_id,
                                          bool ready) {
  Entry* e = Find(pod_uid);
  if (e == nullptr || !e->has_status) return;
  api::PodStatus status = e->pod.status;
  api::ContainerStatus* c = FindContainer(status, container_id);
  if (c == nullptr || c->ready == ready) return;
  c->ready = ready;
  UpdateReadinessConditions(e->pod.spec, e->pod.status, status, clock_.WallNow());
  Store(*e, std::move(status));
}

void StatusManager::SetContainerStartup(std::string_view pod_uid, std::string_view container_id,
                                        bool started) {
  Entry* e = Find(pod_uid);
  if (e == nullptr || !e->has_status) return;
  api::PodStatus status = e->pod.status;
  api::ContainerStatus* c = FindContainer(status, container_id);
  if (c == nullptr || c->started.value_or(false) == started) return;
  c->started = started;
  Store(*e, std::move(status));
}

}  // namespace probelet::kubelet
