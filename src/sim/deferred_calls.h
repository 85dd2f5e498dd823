// DeferredCalls: one-shot callbacks at a time on a base::Clock, each on its own Timer that is
// freed when it fires, so a long simulation holds only the calls still pending. The scripted
// runtime and probers use it to answer "on a later turn of the loop", as the Runtime and prober
// contracts require.
//
// REQUIRES: a clock whose timers move their callback out before running it (VirtualClock does),
// so that a fired timer can be freed from inside its own callback.
//
// Thread safety: the clock's thread. Ownership: the clock must outlive this object; destroying
// it cancels what is pending (those callbacks never run).
#pragma once

#include <functional>
#include <list>
#include <memory>

#include "base/clock.h"

namespace probelet::sim {

class DeferredCalls {
 public:
  explicit DeferredCalls(base::Clock& clock) : clock_(clock) {}
  DeferredCalls(const DeferredCalls&) = delete;
  DeferredCalls& operator=(const DeferredCalls&) = delete;

  // Calls `fn` at now + `after` (at once on a later turn when `after` <= 0).
  void After(base::Duration after, std::function<void()> fn) {
    timers_.push_front(clock_.NewTimer());
    auto it = timers_.begin();
    // The clock moves the callback out of the timer before running it, so erasing the timer
    // from inside it is safe.
    (*it)->Arm(clock_.Now() + after, [this, it, fn = std::move(fn)] {
      timers_.erase(it);
      fn();
    });
  }
  size_t pending() const { return timers_.size(); }

 private:
  base::Clock& clock_;
  std::list<std::unique_ptr<base::Timer>> timers_;
};

}  // namespace probelet::sim
