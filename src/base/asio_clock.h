// AsioClock: the production Clock. Time is std::chrono::steady_clock (wall time from
// system_clock). Every AsioClock on one io_context shares one timer queue, served by one
// timerfd with millisecond granularity: a timer fires at most 1 ms after its deadline, and all
// timers due in the same millisecond fire in one wake-up of the loop (asio_clock.cc says why).
//
// Thread safety: use only on the thread that runs the io_context. Ownership: the io_context must
// outlive every clock and timer made on it; timers may outlive the clock that made them.
#pragma once

#include <memory>

#include "base/clock.h"

namespace boost::asio {
class io_context;
}

namespace probelet::base {

class AsioClock : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io);
  ~AsioClock() override;
  MonoTime Now() const override;
  WallTime WallNow() const override;
  std::unique_ptr<Timer> NewTimer() override;

  class Scheduler;  // the io_context's timer queue (asio_clock.cc)

 private:
  Scheduler& scheduler_;
};

}  // namespace probelet::base
