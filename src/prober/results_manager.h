// ResultsManager: one cache of probe results keyed by container ID (the kubelet's
// prober/results.Manager, §2.2). The prober manager owns three: liveness, readiness, startup.
//
// Set writes a value and, when the ID was absent or its value changed, schedules an update
// for the one consumer (§2.2.2, T35); an unchanged value schedules nothing. Remove deletes
// silently (§2.2.3).
//
// Slow consumers (§9.10). The kubelet pushes each update onto a 20-slot channel and Set
// blocks when it is full, so a stalled sync loop stalls every probe worker. Here Set never
// waits and never calls the consumer: it marks the container ID "pending" and, if no drain is
// scheduled yet, arms a zero-delay timer on the Clock. On that later loop turn the drain hands
// the consumer one update per pending ID, in the order the IDs first became pending, with the
// ID's *current* value (changes made before the drain coalesce into one update). Consequences:
//  - the queue holds at most one entry per cached container ID, so memory is bounded by the
//    number of containers, whatever the consumer's speed;
//  - an ID removed before the drain gets no update (the consumer would find nothing in the
//    cache anyway: the kubelet's handlers re-read the caches or the status by container ID);
//  - an ID set to A and back to its last delivered value within one turn is delivered once,
//    with that value (a no-op for the kubelet's consumers, which are idempotent);
//  - the consumer runs on the loop thread, never from inside Set, Remove or
//    SetUpdateHandler, and may call Set/Remove itself (those go to the next drain).
// Without a handler, pending updates wait; setting a handler schedules their delivery.
//
// Thread safety: event loop thread only (the Clock's thread). Ownership: the Clock must
// outlive the manager. Not copyable or movable (its drain timer captures `this`).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"

namespace probelet::prober {

// The cached result (§0.3): an integer enum with the kubelet's values.
enum class CachedResult { kUnknown = -1, kSuccess = 0, kFailure = 1 };

// "Success", "Failure", "UNKNOWN" (results.Result.String()).
std::string_view ToString(CachedResult r);
// Result.ToPrometheusType() (§7.2.5): Success 0, Failure 1, anything else -1.
double ToPrometheusType(CachedResult r);

struct ResultUpdate {
  std::string container_id;
  CachedResult result = CachedResult::kUnknown;
  std::string pod_uid;
  friend bool operator==(const ResultUpdate&, const ResultUpdate&) = default;
};

class ResultsManager {
 public:
  explicit ResultsManager(base::Clock& clock);
  ~ResultsManager();
  ResultsManager(const ResultsManager&) = delete;
  ResultsManager& operator=(const ResultsManager&) = delete;

  // The cached value, or nullopt when none (§2.2.1).
  std::optional<CachedResult> Get(const std::string& container_id) const;
  // Writes `result`; schedules an update when the ID was absent or the value changed (§2.2.2).
  void Set(const std::string& container_id, CachedResult result, const api::Pod& pod);
  void Set(const std::string& container_id, CachedResult result, std::string_view pod_uid);
  // Deletes the entry; no update (§2.2.3).
  void Remove(const std::string& container_id);

  // The one consumer (§2.2.4); replaces any earlier one. See the header comment.
  void SetUpdateHandler(std::function<void(const ResultUpdate&)> handler);

  size_t size() const { return cache_.size(); }
  // Updates scheduled and not yet delivered.
  size_t pending_updates() const { return pending_count_; }

 private:
  struct Entry {
    CachedResult result;
    bool pending;  // an update for this ID is queued
    std::string pod_uid;
  };
  void ScheduleDrain();
  void Drain();
  void CompactQueue();

  base::Clock& clock_;
  std::unique_ptr<base::Timer> drain_timer_;
  std::unordered_map<std::string, Entry> cache_;
  // IDs in the order they became pending. A removed ID leaves a stale slot, and an ID removed
  // and set again before a drain may appear twice; the `pending` flag makes those no-ops, and
  // CompactQueue drops them when they outnumber the live ones.
  std::vector<std::string> queue_;
  size_t pending_count_ = 0;
  std::function<void(const ResultUpdate&)> handler_;
};

}  // namespace probelet::prober
