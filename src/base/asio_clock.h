// AsioClock: the production Clock. Time is std::chrono::steady_clock (wall time from
// system_clock); its timers share one queue served by a single Asio steady timer on one
// io_context, with millisecond granularity: a timer fires at most 1 ms after its deadline (see
// asio_clock.cc for why).
//
// Thread safety: use only on the thread that runs the io_context. Ownership: the io_context must
// outlive the clock and every timer it hands out; timers may outlive the clock.
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

  class Scheduler;  // the shared timer queue (asio_clock.cc)

 private:
  std::shared_ptr<Scheduler> scheduler_;
};

}  // namespace probelet::base
