#include "probe/deadline_list.h"

namespace probelet::probe {

DeadlineList::DeadlineList(base::Clock& clock) : clock_(clock), timer_(clock.NewTimer()) {}

DeadlineList::~DeadlineList() = default;

void DeadlineList::Add(DeadlineEntry& entry, base::MonoTime deadline, base::Duration timeout) {
  int index = -1;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i].timeout == timeout) {
      index = static_cast<int>(i);
      break;
    }
  }
  if (index < 0) {
    buckets_.push_back(Bucket{timeout, nullptr, nullptr});
    index = static_cast<int>(buckets_.size() - 1);
  }
  Bucket& b = buckets_[static_cast<size_t>(index)];
  entry.deadline_ = deadline;
  entry.bucket_ = index;
  // Usually the latest deadline of its bucket; walk back past any later one to stay sorted.
  DeadlineEntry* after = b.tail;
  while (after && after->deadline_ > deadline) after = after->prev_;
  entry.prev_ = after;
  entry.next_ = after ? after->next_ : b.head;
  if (entry.next_) {
    entry.next_->prev_ = &entry;
  } else {
    b.tail = &entry;
  }
  if (after) {
    after->next_ = &entry;
  } else {
    b.head = &entry;
  }
  ++size_;
  if (deadline < armed_for_) ArmFor(deadline);
}

void DeadlineList::Remove(DeadlineEntry& entry) {
  if (entry.bucket_ < 0) return;
  Bucket& b = buckets_[static_cast<size_t>(entry.bucket_)];
  if (entry.prev_) {
    entry.prev_->next_ = entry.next_;
  } else {
    b.head = entry.next_;
  }
  if (entry.next_) {
    entry.next_->prev_ = entry.prev_;
  } else {
    b.tail = entry.prev_;
  }
  entry.prev_ = entry.next_ = nullptr;
  entry.bucket_ = -1;
  --size_;
  // The timer stays armed: if it fires for nothing, Fire() re-arms for the new earliest.
}

void DeadlineList::ArmFor(base::MonoTime deadline) {
  armed_for_ = deadline;
  timer_->Arm(deadline, [this] { Fire(); });
}

void DeadlineList::Fire() {
  armed_for_ = base::MonoTime::max();
  const base::MonoTime now = clock_.Now();
  // Expire every due head. OnDeadline() may Add() or Remove() other entries, so re-read the
  // heads each time rather than holding pointers across the call.
  bool expired = true;
  while (expired) {
    expired = false;
    for (Bucket& b : buckets_) {
      DeadlineEntry* e = b.head;
      if (e && e->deadline_ <= now) {
        Remove(*e);
        e->OnDeadline();
        expired = true;
        break;  // `b` may have moved if OnDeadline() added a bucket
      }
    }
  }
  base::MonoTime next = base::MonoTime::max();
  for (const Bucket& b : buckets_) {
    if (b.head && b.head->deadline_ < next) next = b.head->deadline_;
  }
  if (next != base::MonoTime::max() && next < armed_for_) ArmFor(next);
}

}  // namespace probelet::probe
