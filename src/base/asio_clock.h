// AsioClock: the production Clock. Time is std::chrono::steady_clock (wall time from
// system_clock); timers are Asio steady timers on one io_context.
//
// Thread safety: use only on the thread that runs the io_context. Ownership: the io_context must
// outlive the clock and every timer it hands out.
#pragma once

#include "base/clock.h"

namespace boost::asio {
class io_context;
}

namespace probelet::base {

class AsioClock : public Clock {
 public:
  explicit AsioClock(boost::asio::io_context& io) : io_(io) {}
  MonoTime Now() const override;
  WallTime WallNow() const override;
  std::unique_ptr<Timer> NewTimer() override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace probelet::base
