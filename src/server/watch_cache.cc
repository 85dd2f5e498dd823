#include "server/watch_cache.h"

#include <algorithm>

namespace probelet::server {

std::string_view ToString(WatchEventType type) {
  switch (type) {
    case WatchEventType::kAdded:
      return "ADDED";
    case WatchEventType::kModified:
      return "MODIFIED";
    case WatchEventType::kDeleted:
      return "DELETED";
  }
  return "MODIFIED";
}

std::shared_ptr<const std::string> WatchChange::Encoded(
    int key, const std::function<std::string()>& make) const {
  for (const auto& [k, line] : encoded_) {
    if (k == key) return line;
  }
  auto line = std::make_shared<const std::string>(make());
  encoded_.emplace_back(key, line);
  return line;
}

// ---- Watcher ---------------------------------------------------------------------------------

Watcher::~Watcher() {
  if (cache_ != nullptr) cache_->Unsubscribe(this);
}

void Watcher::Queue(std::shared_ptr<const std::string> line) {
  if (!line || line->empty() || state_ == State::kDropped) return;
  pending_bytes_ += line->size();
  pending_.push_back(std::move(line));
  Wake();
}

std::string Watcher::TakePending() {
  std::string out;
  out.reserve(pending_bytes_);
  for (const auto& line : pending_) out += *line;
  pending_.clear();
  pending_bytes_ = 0;
  return out;
}

void Watcher::Finish() {
  if (state_ != State::kOpen) return;
  state_ = State::kDone;
  Wake();
}

void Watcher::Offer(const WatchChange& change, size_t limit) {
  if (state_ != State::kOpen || change.resource != resource_) return;
  std::shared_ptr<const std::string> line = deliver_(change);
  if (!line) return;
  if (pending_bytes_ + line->size() > limit) {
    // A client that does not read: drop it (it may watch again from its last version) rather
    // than keep its backlog; what is queued goes too.
    pending_.clear();
    pending_bytes_ = 0;
    state_ = State::kDropped;
    Wake();
    return;
  }
  Queue(std::move(line));
}

// ---- WatchCache ------------------------------------------------------------------------------

WatchCache::WatchCache(base::Clock& clock, Options options) : clock_(clock), options_(options) {}

WatchCache::~WatchCache() { CloseAll(); }

void WatchCache::PodChanged(const api::Pod& pod) {
  WatchChange c;
  c.resource = WatchResource::kPods;
  auto [it, added] = pod_versions_.try_emplace(pod.metadata.uid, 0);
  c.type = added ? WatchEventType::kAdded : WatchEventType::kModified;
  c.pod = std::make_shared<const api::Pod>(pod);
  it->second = resource_version_ + 1;
  Publish(std::move(c));
}

void WatchCache::PodRemoved(const api::Pod& pod) {
  auto it = pod_versions_.find(pod.metadata.uid);
  if (it == pod_versions_.end()) return;
  pod_versions_.erase(it);
  WatchChange c;
  c.resource = WatchResource::kPods;
  c.type = WatchEventType::kDeleted;
  c.pod = std::make_shared<const api::Pod>(pod);
  Publish(std::move(c));
}

void WatchCache::EventRecorded(const api::Event& event) {
  WatchChange c;
  c.resource = WatchResource::kEvents;
  auto [it, added] = event_versions_.try_emplace(event.name, 0);
  c.type = added ? WatchEventType::kAdded : WatchEventType::kModified;
  c.event = std::make_shared<const api::Event>(event);
  it->second = resource_version_ + 1;
  event_order_.emplace_back(event.name, it->second);
  // The order list sheds the entries superseded by a later update of the same name (amortized:
  // when it has grown to twice the names kept); then the names updated least recently are
  // forgotten, as the event store drops them.
  auto current = [this](const std::pair<std::string, uint64_t>& entry) {
    auto v = event_versions_.find(entry.first);
    return v != event_versions_.end() && v->second == entry.second;
  };
  if (event_order_.size() > 2 * options_.event_versions + 1) {
    std::erase_if(event_order_, [&](const auto& entry) { return !current(entry); });
  }
  while (event_versions_.size() > options_.event_versions && !event_order_.empty()) {
    if (current(event_order_.front())) event_versions_.erase(event_order_.front().first);
    event_order_.pop_front();
  }
  Publish(std::move(c));
}

uint64_t WatchCache::PodVersion(std::string_view uid) const {
  auto it = pod_versions_.find(std::string(uid));
  return it == pod_versions_.end() ? 1 : it->second;
}

uint64_t WatchCache::EventVersion(std::string_view name) const {
  auto it = event_versions_.find(std::string(name));
  return it == event_versions_.end() ? 1 : it->second;
}

void WatchCache::Publish(WatchChange change) {
  change.resource_version = ++resource_version_;
  change.at = clock_.WallNow();
  auto shared = std::make_shared<const WatchChange>(std::move(change));
  if (options_.history > 0) {
    history_.push_back(shared);
    while (history_.size() > options_.history) {
      floor_ = history_.front()->resource_version;
      history_.pop_front();
    }
  } else {
    floor_ = resource_version_;
  }
  bool dropped = false;
  for (Watcher* w : watchers_) {
    w->Offer(*shared, options_.watcher_buffer_bytes);
    dropped = dropped || w->state() == Watcher::State::kDropped;
  }
  if (dropped) {
    std::erase_if(watchers_, [this](Watcher* w) {
      if (w->state() != Watcher::State::kDropped) return false;
      w->cache_ = nullptr;
      ++dropped_;
      return true;
    });
  }
}

bool WatchCache::Watch(const std::shared_ptr<Watcher>& watcher, std::optional<uint64_t> after) {
  if (after && *after < floor_) return false;
  if (after) {
    for (const auto& change : history_) {
      if (change->resource_version > *after) watcher->Offer(*change, SIZE_MAX);
    }
  }
  if (closed_) {
    watcher->Finish();
    return true;
  }
  watcher->cache_ = this;
  watchers_.push_back(watcher.get());
  return true;
}

void WatchCache::CloseAll() {
  closed_ = true;
  std::vector<Watcher*> watchers = std::move(watchers_);
  watchers_.clear();
  for (Watcher* w : watchers) {
    w->cache_ = nullptr;
    w->Finish();
  }
}

void WatchCache::Unsubscribe(Watcher* watcher) { std::erase(watchers_, watcher); }

}  // namespace probelet::server
