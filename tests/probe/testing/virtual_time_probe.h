// Test helper: one probe attempt whose prober times out on a base::VirtualClock while its I/O is
// real (sockets on 127.0.0.1, served by the test's io_context). Time moves only when the test
// advances the clock; the I/O moves only when the test turns the io_context (Settle, RunUntil),
// so a timeout can be checked to the nanosecond: nothing at timeout - 1 ns, the timeout's
// Outcome at the timeout.
//
// Thread safety: the test's thread, which runs the io_context. Ownership: `io` and `clock` must
// outlive the helper; the prober under test must be built on the same two.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>

#include "base/virtual_clock.h"
#include "probe/result.h"

namespace probelet::testing {

class VirtualTimeProbe {
 public:
  VirtualTimeProbe(boost::asio::io_context& io, base::VirtualClock& clock)
      : io_(io), clock_(clock) {}

  // The callback to start the probe with; records the Outcome and the virtual time it came at.
  probe::OutcomeCallback Callback() {
    return [this](probe::Outcome o) {
      EXPECT_FALSE(outcome_) << "callback called twice";
      outcome_ = std::move(o);
      at_ = clock_.Now();
    };
  }

  // Runs every I/O handler that is ready, until none is (no real time waited, none advanced).
  void Settle() {
    io_.restart();
    while (io_.poll() > 0) {
    }
  }

  // Turns the io_context until `done()` holds, for at most `limit` of real time (the I/O of a
  // real socket takes real time); false if it never held.
  bool RunUntil(const std::function<bool()>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto give_up = std::chrono::steady_clock::now() + limit;
    io_.restart();
    while (!done()) {
      if (std::chrono::steady_clock::now() >= give_up) return false;
      io_.run_one_for(std::chrono::milliseconds(10));
    }
    return true;
  }

  // Advances virtual time by `d` (firing due timers), then settles the I/O that caused.
  void Advance(base::Duration d) {
    clock_.Advance(d);
    Settle();
  }

  const std::optional<probe::Outcome>& outcome() const { return outcome_; }
  base::MonoTime at() const { return at_; }

 private:
  boost::asio::io_context& io_;
  base::VirtualClock& clock_;
  std::optional<probe::Outcome> outcome_;
  base::MonoTime at_{};
};

}  // namespace probelet::testing
