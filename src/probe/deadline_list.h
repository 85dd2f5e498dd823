// DeadlineList: times out many probe attempts with one timer.
//
// A prober at 10k probes/s with a 1 s timeout has ~10k deadlines pending; a timer per attempt
// costs a heap insertion, a cancellation and a completion handler each time, for deadlines
// that almost never fire. Here, attempts with the same timeout are kept in one FIFO list (they
// start in time order, so each list is sorted by deadline) and a single base::Timer is armed
// for the earliest head. Finishing an attempt is an O(1) unlink and never re-arms the timer;
// the timer, when it fires early for an attempt that is already gone, simply re-arms for the
// new earliest head.
//
// Thread safety: the clock's thread only. Ownership: entries are owned by the caller and must
// be Remove()d (or have expired) before they are destroyed; the list must outlive its entries'
// membership. OnDeadline() runs from the clock's timer callback, never from Add() or Remove().
#pragma once

#include <memory>
#include <vector>

#include "base/clock.h"

namespace probelet::probe {

class DeadlineList;

class DeadlineEntry {
 public:
  // Called once when the deadline passes; the entry is no longer listed.
  virtual void OnDeadline() = 0;
  bool listed() const { return bucket_ >= 0; }

 protected:
  ~DeadlineEntry() = default;

 private:
  friend class DeadlineList;
  base::MonoTime deadline_{};
  DeadlineEntry* prev_ = nullptr;
  DeadlineEntry* next_ = nullptr;
  int bucket_ = -1;
};

class DeadlineList {
 public:
  explicit DeadlineList(base::Clock& clock);
  ~DeadlineList();
  DeadlineList(const DeadlineList&) = delete;
  DeadlineList& operator=(const DeadlineList&) = delete;

  // Lists `entry` to expire at `deadline`; `timeout` is the attempt's timeout, used to group
  // entries whose deadlines come in order. Precondition: `entry` is not listed.
  void Add(DeadlineEntry& entry, base::MonoTime deadline, base::Duration timeout);
  // Unlists `entry` if it is listed.
  void Remove(DeadlineEntry& entry);
  size_t size() const { return size_; }

 private:
  struct Bucket {
    base::Duration timeout{};
    DeadlineEntry* head = nullptr;
    DeadlineEntry* tail = nullptr;
  };
  void Fire();
  void ArmFor(base::MonoTime deadline);

  base::Clock& clock_;
  std::unique_ptr<base::Timer> timer_;
  base::MonoTime armed_for_ = base::MonoTime::max();
  std::vector<Bucket> buckets_;
  size_t size_ = 0;
};

}  // namespace probelet::probe
