// What prober_scale and api_load share: CPU time, quantiles, a clock that measures how late
// its timers fire, an HTTP prober that answers without I/O, and the bench's pods (one
// container with an httpGet readiness probe) with a running status.
//
// Single-threaded, like the loop the benches drive.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"
#include "cpu_time.h"  // CpuSeconds
#include "probe/probers.h"

namespace probelet::bench {

// The q-quantile of `ns` (nanoseconds), in milliseconds; 0 when empty. Reorders `ns`.
double QuantileMs(std::vector<int64_t>& ns, double q);

// A Clock over `inner` whose timers, while `recording`, note how late each callback runs
// behind its deadline (the worker ticks' lateness).
class MeasuringClock : public base::Clock {
 public:
  explicit MeasuringClock(base::Clock& inner) : inner_(inner) {}
  base::MonoTime Now() const override { return inner_.Now(); }
  base::WallTime WallNow() const override { return inner_.WallNow(); }
  std::unique_ptr<base::Timer> NewTimer() override;

  bool recording = false;
  std::vector<int64_t> lateness_ns;

 private:
  base::Clock& inner_;
};

// Answers success on the next loop turn without any I/O: the manager's own cost alone.
class NullHttpProber : public probe::HttpProber {
 public:
  explicit NullHttpProber(boost::asio::io_context& io) : io_(io) {}
  using probe::HttpProber::Probe;
  void Probe(probe::HttpRequestPtr, base::Duration, probe::OutcomeCallback done) override;

 private:
  boost::asio::io_context& io_;
};

// Pod `i` of a bench: uid 00000000-0000-0000-0000-1000000000ii, default/pod-<i>, one container
// "web" with an httpGet readiness probe of `path` on `port` every `period` seconds.
api::Pod MakePod(int i, int port, int period, const std::string& path = "/healthz");

// The pod running and started since `started_at`, at 127.0.0.1.
api::PodStatus RunningStatus(const api::Pod& pod, api::Time started_at);

}  // namespace probelet::bench
