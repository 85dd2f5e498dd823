#include "server/loop_monitor.h"

#include <fmt/format.h>

namespace probelet::server {
namespace {

double Seconds(base::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

LoopMonitor::LoopMonitor(base::Clock& clock, base::Duration stall_threshold, base::Duration period,
                         base::Duration report_window)
    : clock_(clock),
      stall_threshold_(stall_threshold),
      period_(period),
      report_window_(report_window),
      timer_(clock.NewTimer()) {}

LoopMonitor::~LoopMonitor() = default;

void LoopMonitor::Start() {
  if (running_) return;
  running_ = true;
  last_tick_ = clock_.Now();
  deadline_ = last_tick_;
  Arm();
}

void LoopMonitor::Stop() {
  running_ = false;
  timer_->Cancel();
}

void LoopMonitor::Arm() {
  deadline_ += period_;
  timer_->Arm(deadline_, [this] { OnTick(); });
}

void LoopMonitor::OnTick() {
  base::MonoTime now = clock_.Now();
  last_lag_ = now > deadline_ ? now - deadline_ : base::Duration::zero();
  if (last_lag_ > max_lag_) max_lag_ = last_lag_;
  if (last_lag_ > stall_threshold_) {
    stall_end_ = now;
    stall_length_ = last_lag_;
  }
  last_tick_ = now;
  // Schedule from now, not from the missed deadline: after a stall, one late tick is enough.
  deadline_ = now;
  Arm();
}

std::optional<std::string> LoopMonitor::Unhealthy() const {
  if (!running_) return std::nullopt;
  base::MonoTime now = clock_.Now();
  base::Duration since_tick = now - last_tick_;
  if (since_tick > period_ + stall_threshold_) {
    return fmt::format("event loop stalled: no timer has run for {:.1f}s (threshold {:.0f}s)",
                       Seconds(since_tick), Seconds(stall_threshold_));
  }
  if (stall_end_ && now - *stall_end_ <= report_window_) {
    return fmt::format("event loop stalled for {:.1f}s (threshold {:.0f}s), {:.0f}s ago",
                       Seconds(stall_length_), Seconds(stall_threshold_),
                       Seconds(now - *stall_end_));
  }
  return std::nullopt;
}

void LoopMonitor::WriteMetrics(std::string& out) const {
  out +=
      "# HELP probelet_event_loop_lag_seconds How late the event loop ran its last check timer.\n";
  out += "# TYPE probelet_event_loop_lag_seconds gauge\n";
  out += fmt::format("probelet_event_loop_lag_seconds {:.6f}\n", Seconds(last_lag_));
  out +=
      "# HELP probelet_event_loop_max_lag_seconds The largest event loop lag seen since start.\n";
  out += "# TYPE probelet_event_loop_max_lag_seconds gauge\n";
  out += fmt::format("probelet_event_loop_max_lag_seconds {:.6f}\n", Seconds(max_lag_));
}

}  // namespace probelet::server
