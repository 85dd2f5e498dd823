// LoopMonitor: measures how late the event loop runs a timer, so /healthz can say when the loop
// has stalled (a blocked loop delays every probe, like a kubelet whose sync loop is stuck; the
// kubelet's /healthz reports that too).
//
// A base::Clock timer is armed every `period`; when it fires, lag = now - deadline. The loop is
// unhealthy while no tick has come for longer than period + stall_threshold, and for
// `report_window` after a tick whose lag exceeded stall_threshold (a request can only be served
// once the stall is over, so the report has to outlive it).
//
// Thread safety: the loop thread only. Ownership: `clock` must outlive the monitor; destroying it
// cancels its timer.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"

namespace probelet::server {

class LoopMonitor {
 public:
  explicit LoopMonitor(base::Clock& clock,
                       base::Duration stall_threshold = std::chrono::seconds(10),
                       base::Duration period = std::chrono::seconds(1),
                       base::Duration report_window = std::chrono::seconds(60));
  ~LoopMonitor();
  LoopMonitor(const LoopMonitor&) = delete;
  LoopMonitor& operator=(const LoopMonitor&) = delete;

  void Start();
  void Stop();

  // nullopt while healthy, else why not, e.g. "event loop stalled for 12.3s (ended 4s ago)".
  std::optional<std::string> Unhealthy() const;
  // Lag of the last tick and the largest seen since Start.
  base::Duration last_lag() const { return last_lag_; }
  base::Duration max_lag() const { return max_lag_; }
  // Appends probelet_event_loop_lag_seconds and probelet_event_loop_max_lag_seconds (gauges).
  void WriteMetrics(std::string& out) const;

 private:
  void Arm();
  void OnTick();

  base::Clock& clock_;
  const base::Duration stall_threshold_;
  const base::Duration period_;
  const base::Duration report_window_;
  std::unique_ptr<base::Timer> timer_;
  base::MonoTime deadline_{};
  base::MonoTime last_tick_{};
  base::Duration last_lag_{};
  base::Duration max_lag_{};
  std::optional<base::MonoTime> stall_end_;  // when the last over-threshold tick ran
  base::Duration stall_length_{};
  bool running_ = false;
};

}  // namespace probelet::server
