// WatchCache: resource versions and watch fan-out for the agent's API (issue 14 §2), the API
// server's watch cache (the Cacher) in small.
//
// Every change the agent reports (a pod's status stored or the pod removed, an event recorded)
// takes the next resourceVersion, a counter shown as a string in metadata.resourceVersion of
// objects and lists. The last `history` changes are kept, so a watch that starts after version N
// (?resourceVersion=N, as `kubectl get -w` asks after its list) replays what it missed; a version
// older than the history is "too old" (the 410 Gone the API server answers).
//
// Fan-out: each change is offered to every Watcher of its resource at once, on the loop, from
// the observer that reported it. A Watcher decides (Deliver) which line, if any, the change sends
// it; lines are shared strings, so a change encoded once costs every other watcher a pointer. An
// idle watcher costs nothing: no thread, no timer work, no polling (the stream waits for its
// wake-up). A watcher whose queue grows past `watcher_buffer_bytes` (a client that does not
// read) is dropped rather than allowed to grow memory without bound.
//
// Thread safety: the event loop thread only. Ownership: the clock must outlive the cache;
// watchers may outlive it (its destruction ends them, as a stopping API server does).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "base/clock.h"

namespace probelet::server {

enum class WatchResource { kPods, kEvents };
enum class WatchEventType { kAdded, kModified, kDeleted };
// "ADDED", "MODIFIED", "DELETED": the watch event's "type".
std::string_view ToString(WatchEventType type);

// One change of one object. `pod` is set for pods (its last state for DELETED), `event` for
// events. Encodings made for one watcher are kept here for the others (Encoded).
struct WatchChange {
  uint64_t resource_version = 0;
  WatchResource resource = WatchResource::kPods;
  WatchEventType type = WatchEventType::kAdded;
  std::shared_ptr<const api::Pod> pod;
  std::shared_ptr<const api::Event> event;
  api::Time at{};  // wall time of the change (the ages of Table rows)

  // The line encoded under `key` (the encoding's own name), made by `make` the first time.
  std::shared_ptr<const std::string> Encoded(int key,
                                             const std::function<std::string()>& make) const;

 private:
  mutable std::vector<std::pair<int, std::shared_ptr<const std::string>>> encoded_;
};

class WatchCache;

// One watch stream's subscription: a queue of lines the stream sends as one HTTP chunk when
// woken. Made by WatchCache::Watch; destroying it unsubscribes.
class Watcher {
 public:
  // The line `change` sends this watcher, or null for none (filtered out).
  using Deliver = std::function<std::shared_ptr<const std::string>(const WatchChange&)>;
  enum class State {
    kOpen,     // lines may still come
    kDone,     // send what is queued, then end the stream cleanly (cache gone, watch expired)
    kDropped,  // the client did not read: close the connection now
  };

  Watcher(WatchResource resource, Deliver deliver)
      : resource_(resource), deliver_(std::move(deliver)) {}
  ~Watcher();
  Watcher(const Watcher&) = delete;
  Watcher& operator=(const Watcher&) = delete;

  // Queues `line` (without the bound: a watch's initial ADDED lines may be long).
  void Queue(std::shared_ptr<const std::string> line);
  // Every line queued since the last call, concatenated; empty when none.
  std::string TakePending();
  bool has_pending() const { return !pending_.empty(); }
  State state() const { return state_; }
  // Ends the watch after what is queued (kDone) and wakes the stream.
  void Finish();
  // Called on the loop whenever lines are queued or the state changes: the stream's wake-up.
  void SetWakeup(std::function<void()> wakeup) { wakeup_ = std::move(wakeup); }

  // timeoutSeconds: how long the stream lasts (until the server stops when unset).
  std::optional<base::Duration> timeout;

 private:
  friend class WatchCache;
  void Offer(const WatchChange& change, size_t limit);
  void Wake() {
    if (wakeup_) wakeup_();
  }

  WatchResource resource_;
  Deliver deliver_;
  std::deque<std::shared_ptr<const std::string>> pending_;
  size_t pending_bytes_ = 0;
  State state_ = State::kOpen;
  std::function<void()> wakeup_;
  WatchCache* cache_ = nullptr;  // null once unsubscribed
};

class WatchCache {
 public:
  struct Options {
    size_t history = 1000;         // changes kept for watches that resume from a version
    size_t event_versions = 1000;  // events whose version is remembered (the event store's)
    size_t watcher_buffer_bytes = 4 << 20;  // a watcher queuing more is dropped
  };

  explicit WatchCache(base::Clock& clock) : WatchCache(clock, Options()) {}
  WatchCache(base::Clock& clock, Options options);
  ~WatchCache();
  WatchCache(const WatchCache&) = delete;
  WatchCache& operator=(const WatchCache&) = delete;

  // Feeding (the cli's observers of the status manager and the event store).
  // ADDED the first time a pod's UID is seen, MODIFIED afterwards.
  void PodChanged(const api::Pod& pod);
  // DELETED with the pod's last state; a UID never seen is ignored.
  void PodRemoved(const api::Pod& pod);
  // ADDED for a new event name, MODIFIED for one aggregated again (count and lastTimestamp).
  void EventRecorded(const api::Event& event);

  // The newest resourceVersion (of lists); the version of an object's last change, or the
  // cache's first version for one it has not seen change.
  uint64_t resource_version() const { return resource_version_; }
  uint64_t PodVersion(std::string_view uid) const;
  uint64_t EventVersion(std::string_view name) const;

  // Subscribes `watcher` to later changes of its resource, first replaying the kept changes after
  // `after` when set. False (nothing subscribed) when `after` is older than the history keeps.
  bool Watch(const std::shared_ptr<Watcher>& watcher, std::optional<uint64_t> after);
  // The oldest version a watch may resume after.
  uint64_t oldest_resumable() const { return floor_; }

  // Ends every watcher cleanly (kDone) and subscribes no more: the server is stopping.
  void CloseAll();
  size_t watcher_count() const { return watchers_.size(); }
  // Watchers dropped because they did not read (probelet_api_watchers_dropped_total).
  uint64_t dropped_watchers() const { return dropped_; }

 private:
  friend class Watcher;
  void Publish(WatchChange change);
  void Unsubscribe(Watcher* watcher);

  base::Clock& clock_;
  const Options options_;
  uint64_t resource_version_ = 1;
  uint64_t floor_ = 1;  // the history holds every change after this version
  std::deque<std::shared_ptr<const WatchChange>> history_;
  std::unordered_map<std::string, uint64_t> pod_versions_;
  std::unordered_map<std::string, uint64_t> event_versions_;
  std::deque<std::pair<std::string, uint64_t>> event_order_;  // to forget the oldest names
  std::vector<Watcher*> watchers_;
  bool closed_ = false;
  uint64_t dropped_ = 0;
};

}  // namespace probelet::server
