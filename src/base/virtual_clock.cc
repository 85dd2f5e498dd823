#include "base/virtual_clock.h"

#include <cassert>

namespace probelet::base {

class VirtualClock::VirtualTimer : public Timer {
 public:
  explicit VirtualTimer(VirtualClock* clock) : clock_(clock) {}
  ~VirtualTimer() override { Cancel(); }

  void Arm(MonoTime deadline, std::function<void()> fn) override {
    Cancel();
    fn_ = std::move(fn);
    clock_->Schedule(this, deadline);
  }
  void Cancel() override {
    if (armed_) clock_->Unschedule(this);
  }
  bool armed() const override { return armed_; }

 private:
  friend class VirtualClock;
  VirtualClock* clock_;
  std::function<void()> fn_;
  bool armed_ = false;
  Key key_{};
};

VirtualClock::VirtualClock(WallTime wall_start) : wall_start_(wall_start) {}

VirtualClock::~VirtualClock() {
  for (auto& [key, timer] : queue_) timer->armed_ = false;
}

std::unique_ptr<Timer> VirtualClock::NewTimer() { return std::make_unique<VirtualTimer>(this); }

void VirtualClock::Schedule(VirtualTimer* t, MonoTime deadline) {
  // A deadline in the past fires "at once", i.e. at the current time, after what is due now.
  if (deadline < now_) deadline = now_;
  t->key_ = {deadline, seq_++};
  t->armed_ = true;
  queue_.emplace(t->key_, t);
}

void VirtualClock::Unschedule(VirtualTimer* t) {
  queue_.erase(t->key_);
  t->armed_ = false;
}

void VirtualClock::FireFront() {
  auto it = queue_.begin();
  VirtualTimer* t = it->second;
  now_ = std::max(now_, it->first.first);
  queue_.erase(it);
  t->armed_ = false;
  // Move the callback out first: it may re-arm (or destroy) its own timer.
  auto fn = std::move(t->fn_);
  fn();
}

void VirtualClock::AdvanceTo(MonoTime t) {
  while (!queue_.empty() && queue_.begin()->first.first <= t) FireFront();
  if (t > now_) now_ = t;
}

bool VirtualClock::RunNext() {
  if (queue_.empty()) return false;
  FireFront();
  return true;
}

int VirtualClock::RunUntilIdle(int limit) {
  int fired = 0;
  while (fired < limit && RunNext()) ++fired;
  return fired;
}

MonoTime VirtualClock::NextDeadline() const {
  return queue_.empty() ? MonoTime::max() : queue_.begin()->first.first;
}

}  // namespace probelet::base
