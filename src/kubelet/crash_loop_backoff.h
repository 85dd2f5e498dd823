// CrashLoopBackOff (§6.5): the kubelet's per-container restart back-off, client-go's
// flowcontrol.Backoff with the kubelet's settings: initial 10 s, doubling, capped at 300 s, no
// jitter, and an entry that expires when the container ran more than 600 s between its last
// restart and its next exit (HasExpiredFunc), so a container that ran ~10 minutes starts over.
//
// Times are base::MonoTime from the injected clock (the kubelet uses wall time; monotonic time
// gives the same intervals without clock jumps). Keys come from StableKey, the kubelet's
// getStableKey: pod name, namespace, UID, container name and spec hash, so a changed container
// spec starts afresh (§6.5.3).
//
// Thread safety: one event loop thread. Ownership: the clock must outlive this object.
#pragma once

#include <map>
#include <string>

#include "api/pod.h"
#include "base/clock.h"

namespace probelet::kubelet {

class CrashLoopBackOff {
 public:
  struct Options {
    base::Duration initial = std::chrono::seconds(10);
    base::Duration max = std::chrono::seconds(300);
    // An entry whose last Next() is more than this before the next exit starts over.
    base::Duration reset_after = std::chrono::seconds(600);
  };

  explicit CrashLoopBackOff(base::Clock& clock) : CrashLoopBackOff(clock, Options{}) {}
  CrashLoopBackOff(base::Clock& clock, Options options);

  // The current delay of `key`, zero when it has none.
  base::Duration Get(const std::string& key) const;

  // Records a restart after the exit at `event_time`: the first (or first after expiry) stores
  // the initial delay, each later one doubles it, capped at the maximum.
  void Next(const std::string& key, base::MonoTime event_time);

  // True when the container that exited at `event_time` must still wait: the entry exists, has
  // not expired, and less than its delay has passed since `event_time`.
  bool IsInBackOffSince(const std::string& key, base::MonoTime event_time) const;

  // How long from now until IsInBackOffSince turns false (zero when not in back-off).
  base::Duration Remaining(const std::string& key, base::MonoTime event_time) const;

  // Forgets entries that have expired as of now (the kubelet's periodic GC).
  void GC();
  void Reset(const std::string& key) { entries_.erase(key); }
  size_t size() const { return entries_.size(); }

  // The kubelet's getStableKey: <pod>_<namespace>_<uid>_<container>_<hex spec hash>, so a
  // changed container spec starts a fresh back-off.
  static std::string StableKey(const api::Pod& pod, const api::Container& container);

 private:
  struct Entry {
    base::Duration backoff{};
    base::MonoTime last_update{};
  };
  bool HasExpired(base::MonoTime event_time, base::MonoTime last_update) const {
    return event_time - last_update > options_.reset_after;
  }

  base::Clock& clock_;
  Options options_;
  std::map<std::string, Entry> entries_;
};

// A stable hash of a container's spec (the kubelet's HashContainer), as 8 hex digits.
std::string ContainerSpecHash(const api::Container& container);

}  // namespace probelet::kubelet
