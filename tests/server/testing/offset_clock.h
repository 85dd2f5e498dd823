// OffsetClock: a Clock that reads another clock's time plus an adjustable offset; its timers are
// the other clock's, with deadlines moved back by the offset in force when they are armed.
// Raising the offset makes a timer armed before see a `Now()` far past its deadline when it
// fires, which is exactly what a stalled event loop looks like, without stalling anything
// (LoopMonitor tests); timers armed afterwards run on time again. The offset may be set from
// any thread. The inner clock is borrowed, or owned when handed over as a unique_ptr (so a
// factory can return both as one clock and they die together, before the loop they run on).
#pragma once

#include <atomic>
#include <memory>

#include "base/clock.h"

namespace probelet::server::testing {

class OffsetClock : public base::Clock {
 public:
  explicit OffsetClock(base::Clock& inner) : inner_(inner) {}
  explicit OffsetClock(std::unique_ptr<base::Clock> owned)
      : owned_(std::move(owned)), inner_(*owned_) {}
  base::MonoTime Now() const override { return inner_.Now() + offset_.load(); }
  base::WallTime WallNow() const override { return inner_.WallNow() + offset_.load(); }
  std::unique_ptr<base::Timer> NewTimer() override {
    return std::make_unique<OffsetTimer>(*this, inner_.NewTimer());
  }
  void set_offset(base::Duration d) { offset_ = d; }

 private:
  class OffsetTimer : public base::Timer {
   public:
    OffsetTimer(OffsetClock& clock, std::unique_ptr<base::Timer> inner)
        : clock_(clock), inner_(std::move(inner)) {}
    void Arm(base::MonoTime deadline, std::function<void()> fn) override {
      inner_->Arm(deadline - clock_.offset_.load(), std::move(fn));
    }
    void Cancel() override { inner_->Cancel(); }
    bool armed() const override { return inner_->armed(); }

   private:
    OffsetClock& clock_;
    std::unique_ptr<base::Timer> inner_;
  };

  std::unique_ptr<base::Clock> owned_;  // null when `inner_` is borrowed
  base::Clock& inner_;
  std::atomic<base::Duration> offset_{base::Duration::zero()};
};

}  // namespace probelet::server::testing
