// Test helper: runs one probe on a test's io_context until its callback fires (bounded), and
// reports the outcome and how long it took, measured on base::AsioClock.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <optional>

#include "base/asio_clock.h"
#include "probe/result.h"

namespace probelet::probe {

struct ProbeRun {
  std::optional<Outcome> outcome;
  base::Duration elapsed{};
};

// `start` begins the probe with the callback it is given. Gives up after `limit`.
inline ProbeRun RunProbe(boost::asio::io_context& io,
                         const std::function<void(OutcomeCallback)>& start,
                         std::chrono::seconds limit = std::chrono::seconds(10)) {
  base::AsioClock clock(io);
  ProbeRun run;
  const base::MonoTime t0 = clock.Now();
  bool called = false;
  start([&](Outcome o) {
    EXPECT_FALSE(called) << "callback called twice";
    called = true;
    run.outcome = std::move(o);
    run.elapsed = clock.Now() - t0;
  });
  io.restart();
  while (!called) {
    if (io.run_one_for(limit) == 0) break;
  }
  return run;
}

inline std::chrono::milliseconds Ms(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

}  // namespace probelet::probe
