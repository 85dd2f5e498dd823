// Clock: the one way probelet reads time and waits for it.
//
// Everything of the agent that waits on time (probe periods, initial delays, probe timeouts,
// back-off, grace periods) asks a Clock for the time and for timers, so that tests and
// `probelet simulate` can run the same code on virtual time (VirtualClock) while production runs
// on the steady clock and the event loop (AsioClock, one per agent, handed to every part of it,
// the probers included: probers.h). Only these read the steady or system clock themselves, on
// purpose: the API server's socket timeouts and watch pacing (Asio steady_timers, server/
// api_server.cc: they time connections, not pods); the process runtime's destructor, which
// waits at most 1 s for killed orphans after the loop has stopped (runtime/
// process_runtime.cc); and `probelet view`, which reads the wall clock for ages (cli/).
//
// Thread safety: a Clock and its Timers belong to one event loop thread; call them only there.
// Callbacks run on that thread, never from inside Arm() or Cancel().
#pragma once

#include <chrono>
#include <functional>
#include <memory>

namespace probelet::base {

using Duration = std::chrono::nanoseconds;
// Monotonic time: for scheduling and measuring intervals.
using MonoTime = std::chrono::time_point<std::chrono::steady_clock, Duration>;
// Wall-clock time: for timestamps users see (startedAt, lastTransitionTime, events).
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

// A one-shot timer that can be re-armed. Destroying it cancels it: a callback never runs after
// its Timer is gone, so an owner may capture `this` safely.
class Timer {
 public:
  virtual ~Timer() = default;
  // Arms the timer to call `fn` once at `deadline` (at once, on a later turn of the loop, if the
  // deadline has passed). Re-arming an armed timer cancels the earlier callback.
  virtual void Arm(MonoTime deadline, std::function<void()> fn) = 0;
  // Cancels a pending callback; harmless when none is pending.
  virtual void Cancel() = 0;
  virtual bool armed() const = 0;
};

class Clock {
 public:
  virtual ~Clock() = default;
  virtual MonoTime Now() const = 0;
  virtual WallTime WallNow() const = 0;
  virtual std::unique_ptr<Timer> NewTimer() = 0;
};

}  // namespace probelet::base
