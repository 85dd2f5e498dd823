#include "prober/results_manager.h"

#include <utility>

namespace probelet::prober {

std::string_view ToString(CachedResult r) {
  switch (r) {
    case CachedResult::kSuccess:
      return "Success";
    case CachedResult::kFailure:
      return "Failure";
    default:
      return "UNKNOWN";
  }
}

double ToPrometheusType(CachedResult r) {
  switch (r) {
    case CachedResult::kSuccess:
      return 0;
    case CachedResult::kFailure:
      return 1;
    default:
      return -1;
  }
}

ResultsManager::ResultsManager(base::Clock& clock)
    : clock_(clock), drain_timer_(clock.NewTimer()) {}

ResultsManager::~ResultsManager() = default;

std::optional<CachedResult> ResultsManager::Get(const std::string& container_id) const {
  auto it = cache_.find(container_id);
  if (it == cache_.end()) return std::nullopt;
  return it->second.result;
}

void ResultsManager::Set(const std::string& container_id, CachedResult result,
                         const api::Pod& pod) {
  Set(container_id, result, pod.metadata.uid);
}

void ResultsManager::Set(const std::string& container_id, CachedResult result,
                         std::string_view pod_uid) {
  // Look up before building an entry: doProbe writes the result on every probe at or over the
  // threshold, so most writes repeat the cached value (§3.3.15).
  auto it = cache_.find(container_id);
  if (it == cache_.end()) {
    it = cache_.emplace(container_id, Entry{result, false, std::string(pod_uid)}).first;
  } else {
    Entry& e = it->second;
    if (e.result == result) return;  // unchanged: no update (§2.2.2)
    e.result = result;
    if (e.pod_uid != pod_uid) e.pod_uid = pod_uid;
  }
  Entry& e = it->second;
  if (e.pending) return;  // coalesced into the update already queued
  e.pending = true;
  ++pending_count_;
  queue_.push_back(container_id);
  ScheduleDrain();
}

void ResultsManager::Remove(const std::string& container_id) {
  auto it = cache_.find(container_id);
  if (it == cache_.end()) return;
  if (it->second.pending) --pending_count_;
  cache_.erase(it);
  // Its queue slot is now stale. Drains skip stale slots; without a handler no drain runs, so
  // compact here to keep the queue bounded by the number of cached IDs.
  if (queue_.size() > 2 * pending_count_ + 64) CompactQueue();
}

void ResultsManager::CompactQueue() {
  std::vector<std::string> kept;
  kept.reserve(pending_count_);
  for (auto& id : queue_) {
    auto it = cache_.find(id);
    if (it == cache_.end() || !it->second.pending) continue;
    it->second.pending = false;  // marks "kept" so a duplicate slot is dropped
    kept.push_back(std::move(id));
  }
  for (const auto& id : kept) cache_.find(id)->second.pending = true;
  queue_.swap(kept);
}

void ResultsManager::SetUpdateHandler(std::function<void(const ResultUpdate&)> handler) {
  handler_ = std::move(handler);
  if (pending_count_ > 0) ScheduleDrain();
}

void ResultsManager::ScheduleDrain() {
  if (!handler_ || drain_timer_->armed()) return;
  // Zero delay: a later turn of the loop, never inside the caller (Clock contract).
  drain_timer_->Arm(clock_.Now(), [this] { Drain(); });
}

void ResultsManager::Drain() {
  // Take the batch first: the handler may Set/Remove, which queue for the next drain.
  std::vector<std::string> batch;
  batch.swap(queue_);
  size_t i = 0;
  for (; i < batch.size() && handler_; ++i) {
    auto it = cache_.find(batch[i]);
    if (it == cache_.end() || !it->second.pending) continue;  // removed, or a duplicate
    it->second.pending = false;
    --pending_count_;
    // Copy: the handler may Remove this entry or rehash the map.
    ResultUpdate update{batch[i], it->second.result, it->second.pod_uid};
    handler_(update);
  }
  // The handler was cleared mid-batch: keep the rest, in order, ahead of newer IDs.
  if (i < batch.size()) {
    batch.erase(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(i));
    batch.insert(batch.end(), std::make_move_iterator(queue_.begin()),
                 std::make_move_iterator(queue_.end()));
    queue_.swap(batch);
  }
}

}  // namespace probelet::prober
