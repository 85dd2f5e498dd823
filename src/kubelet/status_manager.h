// StatusManager: the cached status of every pod (the kubelet's status.Manager, §6.9-§6.10),
// which the probe workers read (prober::StatusProvider, §2.5) and the API serves.
//
// The pod worker stores a freshly generated status with SetPodStatus after each sync; the
// kubelet's handlers for readiness and startup results update one container directly with
// SetContainerReadiness / SetContainerStartup, so a readiness flip reaches the pod conditions
// without waiting for the next sync. Conditions' lastTransitionTime moves only when their status
// flips (updateLastTransitionTime). Terminal phases stick: once Succeeded or Failed, a pod stays
// so (the status manager refuses a transition out of a terminal phase).
//
// An optional observer sees each stored change (old and new status), e.g. to log condition
// transitions; another sees each pod removed, with its last state (e.g. a watch's DELETED).
//
// Every change of a pod (added, its status stored, marked deleted) gives it a new revision, a
// number unique across all pods and never reused, so that readers may keep what they derive
// from a pod (the API's encodings) for as long as its revision stays the same.
//
// Thread safety: event loop thread only. Ownership: the clock must outlive the manager; the
// pointer GetPodStatus returns is valid until the status of that pod next changes, so callers
// use it before returning to the loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"
#include "kubelet/pod_status_checkpoint.h"
#include "prober/status_provider.h"

namespace probelet::kubelet {

class StatusManager : public prober::StatusProvider {
 public:
  using Observer = std::function<void(const api::Pod& pod, const api::PodStatus& old,
                                      const api::PodStatus& now)>;

  explicit StatusManager(base::Clock& clock) : clock_(clock) {}

  // Starts tracking `pod` (its spec is needed to regenerate conditions). No status yet.
  void AddPod(const api::Pod& pod);
  void RemovePod(std::string_view pod_uid);
  // The pod is being deleted (the API server's graceful deletion): sets its
  // metadata.deletionTimestamp and deletionGracePeriodSeconds, and tells the observer (with an
  // unchanged status) so that those who follow pods, such as Service endpoints, see it at once.
  void MarkDeleted(std::string_view pod_uid, api::Time at, int64_t grace_period_seconds);

  const api::PodStatus* GetPodStatus(std::string_view pod_uid) const override;
  const api::Pod* GetPod(std::string_view pod_uid) const;
  // Every tracked pod with its current status, in the order they were added.
  std::vector<api::Pod> ListPods() const;
  // The same without a copy: each pod with its revision (above). The pointers are valid until
  // the next change of the manager, so callers use them before returning to the loop.
  struct PodRevision {
    const api::Pod* pod;
    uint64_t revision;
  };
  std::vector<PodRevision> ViewPods() const;

  // Stores a generated status. Its conditions' lastTransitionTime is set against the previous
  // status; a terminal phase already stored is kept.
  void SetPodStatus(std::string_view pod_uid, api::PodStatus status);

  // status_manager.go SetContainerReadiness (§6.9): sets Ready of the container with
  // `container_id` (regular or init) and recomputes the Ready and ContainersReady conditions. A
  // no-op for an unknown pod, a pod with no status yet, an unknown container, or an unchanged
  // value.
  void SetContainerReadiness(std::string_view pod_uid, std::string_view container_id, bool ready);
  // status_manager.go SetContainerStartup (§6.10): sets Started; same no-op cases; no
  // conditions recomputed.
  void SetContainerStartup(std::string_view pod_uid, std::string_view container_id, bool started);

  void SetObserver(Observer observer) { observer_ = std::move(observer); }
  // Each stored change is also saved there, and a pod added later starts from the status saved
  // for its UID (after a probelet restart). Null: none. Must outlive the manager.
  // Saves are batched: a change is written within `interval`, and the changes of one pod in
  // that time are written once (a pod's start is about six changes, each a file created and
  // renamed: at 2,000 pods that was most of the loop's time). A probelet killed outright loses
  // at most the last `interval` of changes, which only costs the carry-over of a status that
  // recent. Zero: every change at once.
  void SetCheckpoint(PodStatusCheckpoint* checkpoint,
                     base::Duration interval = std::chrono::seconds(1));
  // Saves every change not saved yet, now (before an exit that leaves the containers running).
  void FlushCheckpoint();
  // Removes the saved statuses of pods it does not track (gone while probelet was down).
  void PruneCheckpoint();
  void SetRemovedObserver(std::function<void(const api::Pod& pod)> observer) {
    removed_observer_ = std::move(observer);
  }

 private:
  struct Entry {
    size_t order;
    api::Pod pod;  // status empty until the first SetPodStatus
    bool has_status = false;
    uint64_t revision = 0;  // see ViewPods
  };
  Entry* Find(std::string_view pod_uid);
  api::ContainerStatus* FindContainer(api::PodStatus& status, std::string_view container_id);
  void Store(Entry& entry, api::PodStatus status);
  // Saves up to `limit` pods of unsaved_ (and forgets them).
  void SaveUnsaved(size_t limit);
  // The checkpoint timer's turn: kCheckpointSavesPerTurn saves, the rest on the next turns.
  void SaveSomeUnsaved();
  static constexpr size_t kCheckpointSavesPerTurn = 32;

  // Looked up by every probe of every worker: hashed, and by string_view without a copy.
  struct UidHash {
    using is_transparent = void;
    size_t operator()(std::string_view uid) const { return std::hash<std::string_view>{}(uid); }
  };

  base::Clock& clock_;
  size_t next_order_ = 0;
  uint64_t next_revision_ = 1;
  // Entries live outside the table's nodes: a node is then one cache line (next, key, hash,
  // pointer) instead of a whole Pod, so a lookup touches one line per node it passes.
  std::unordered_map<std::string, std::unique_ptr<Entry>, UidHash, std::equal_to<>> pods_;
  Observer observer_;
  PodStatusCheckpoint* checkpoint_ = nullptr;
  base::Duration checkpoint_interval_{};
  std::unique_ptr<base::Timer> checkpoint_timer_;
  std::unordered_set<std::string> unsaved_;  // UIDs of pods changed since their last save
  std::function<void(const api::Pod& pod)> removed_observer_;
};

}  // namespace probelet::kubelet
