#include "base/asio_clock.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>

namespace probelet::base {
namespace {

class AsioTimer : public Timer {
 public:
  explicit AsioTimer(boost::asio::io_context& io) : timer_(io) {}
  ~AsioTimer() override { *generation_ += 1; }

  void Arm(MonoTime deadline, std::function<void()> fn) override {
    Cancel();
    armed_ = true;
    timer_.expires_at(std::chrono::steady_clock::time_point(deadline.time_since_epoch()));
    // A canceled wait may still complete with success if it was already queued; the generation
    // counter (shared, so it survives this object) tells a stale completion from a live one.
    timer_.async_wait([this, gen = *generation_, alive = generation_,
                       fn = std::move(fn)](const boost::system::error_code& ec) {
      if (ec || *alive != gen) return;
      armed_ = false;
      fn();
    });
  }
  void Cancel() override {
    if (!armed_) return;
    armed_ = false;
    *generation_ += 1;
    timer_.cancel();
  }
  bool armed() const override { return armed_; }

 private:
  boost::asio::steady_timer timer_;
  std::shared_ptr<uint64_t> generation_ = std::make_shared<uint64_t>(0);
  bool armed_ = false;
};

}  // namespace

MonoTime AsioClock::Now() const {
  return MonoTime(std::chrono::steady_clock::now().time_since_epoch());
}
WallTime AsioClock::WallNow() const {
  return WallTime(std::chrono::system_clock::now().time_since_epoch());
}
std::unique_ptr<Timer> AsioClock::NewTimer() { return std::make_unique<AsioTimer>(io_); }

}  // namespace probelet::base
