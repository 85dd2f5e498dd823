// VirtualClock: a Clock whose time moves only when told to, firing due timers in deadline
// order (ties in the order they were armed). Used by unit tests and `probelet simulate`, so
// timing semantics are checked exactly and without sleeping.
//
// Thread safety: single-threaded, like every Clock. Ownership: timers it hands out must not
// outlive it.
#pragma once

#include <cstdint>
#include <map>
#include <utility>

#include "base/clock.h"

namespace probelet::base {

class VirtualClock : public Clock {
 public:
  // Starts at an arbitrary fixed monotonic time and the given wall time.
  explicit VirtualClock(WallTime wall_start = WallTime(std::chrono::seconds(1'700'000'000)));
  ~VirtualClock() override;

  MonoTime Now() const override { return now_; }
  WallTime WallNow() const override { return wall_start_ + (now_ - mono_start_); }
  std::unique_ptr<Timer> NewTimer() override;

  // Moves time forward to `t`, firing every timer due at or before it, in deadline order; time
  // stands at each deadline while its callback runs. Timers armed by callbacks fire too if due.
  void AdvanceTo(MonoTime t);
  void Advance(Duration d) { AdvanceTo(now_ + d); }
  // Fires the earliest pending timer (moving time to it); false when none is pending.
  bool RunNext();
  // Runs timers until none is pending or `limit` is reached; returns how many fired.
  int RunUntilIdle(int limit = 1'000'000);
  size_t pending() const { return queue_.size(); }
  // The earliest pending deadline, or MonoTime::max() when none.
  MonoTime NextDeadline() const;

 private:
  class VirtualTimer;
  using Key = std::pair<MonoTime, uint64_t>;  // deadline, arm sequence
  void Schedule(VirtualTimer* t, MonoTime deadline);
  void Unschedule(VirtualTimer* t);
  void FireFront();

  const MonoTime mono_start_{std::chrono::hours(1)};
  const WallTime wall_start_;
  MonoTime now_ = mono_start_;
  uint64_t seq_ = 0;
  std::map<Key, VirtualTimer*> queue_;
};

}  // namespace probelet::base
