// SystemdNotifier: `probelet run` as a systemd Type=notify service (issue 12 §3), through
// libsystemd's sd_notify on $NOTIFY_SOCKET:
//
//   READY=1     once the API listens and every pod of the manifests at start has been synced
//               once (its first status is stored), or is gone again: Start() names those pods;
//   STATUS=...  a one-line summary, "12 pods, 11 ready, 1 restarting", sent when it changes, at
//               most once per `status_min_interval` (default 250 ms), so a flapping pod costs
//               systemd a few messages a second, not one per probe; "starting: 3 of 12 pods
//               synced" until READY=1, "stopping: ..." once stopping;
//   WATCHDOG=1  every `watchdog_interval` from the event loop's clock (half of $WATCHDOG_USEC,
//               as sd_watchdog_enabled(3) advises), so a stalled loop misses its pings and
//               systemd restarts probelet (WatchdogSec=);
//   STOPPING=1  once, when the graceful stop begins (the first SIGTERM, or an escaped error).
//
// "ready": the pod's Ready condition is True. "restarting": some container of the pod is
// waiting in CrashLoopBackOff, or has restarted (restartCount > 0) and its current run started
// less than `restart_window` (default 10 s) ago; the summary is recomputed when that window
// closes, with no status change to trigger it.
//
// Without $NOTIFY_SOCKET (not under systemd), FromEnvironment returns a notifier that does
// nothing and arms no timer. The containers never see $NOTIFY_SOCKET: their environment is
// built from their spec, not inherited.
//
// Thread safety: the event loop thread (the clock's). Ownership: the clock must outlive the
// notifier. sd_notify is a datagram send; it can block only while systemd's socket queue is full.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "api/pod.h"
#include "base/clock.h"

namespace probelet::cli {

// The one-line summary STATUS= carries: "12 pods, 11 ready, 1 restarting" ("1 pod, ...").
std::string PodsSummary(size_t pods, size_t ready, size_t restarting);

class SystemdNotifier {
 public:
  // Sends one notification ("READY=1\nSTATUS=..."); sd_notify in production.
  using Send = std::function<void(const std::string& state)>;
  // Whether probelet still tracks this pod (its status manager knows it).
  using PodTracked = std::function<bool(std::string_view uid)>;

  struct Options {
    base::Duration watchdog_interval{0};  // 0: no WATCHDOG=1
    base::Duration status_min_interval = std::chrono::milliseconds(250);
    base::Duration restart_window = std::chrono::seconds(10);
  };

  // From $NOTIFY_SOCKET and $WATCHDOG_USEC (sd_watchdog_enabled: also checks $WATCHDOG_PID).
  static std::unique_ptr<SystemdNotifier> FromEnvironment(base::Clock& clock);

  // `send` null: a notifier that does nothing. Starts the watchdog pings at once.
  SystemdNotifier(base::Clock& clock, Send send, Options options);
  ~SystemdNotifier();
  SystemdNotifier(const SystemdNotifier&) = delete;
  SystemdNotifier& operator=(const SystemdNotifier&) = delete;

  bool enabled() const { return static_cast<bool>(send_); }

  // Start-up is done (the API listens, every pod at start was added): READY=1 follows once each
  // pod of `pod_uids` has had a status (PodStatusChanged) or is no longer tracked.
  void Start(const std::vector<std::string>& pod_uids, PodTracked tracked);
  // From the status manager's observer: `pod` with its new status.
  void PodStatusChanged(const api::Pod& pod);
  // The graceful stop has begun: STOPPING=1 (once; later calls do nothing).
  void Stopping();

 private:
  // What the summary needs of one pod.
  struct PodState {
    bool ready = false;
    bool crash_loop = false;
    api::Time last_restart{};  // the latest start of a restarted container's current run
  };
  static PodState Summarize(const api::PodStatus& status);
  // Sends what is due (READY, STATUS) no earlier than `status_min_interval` after the last time.
  void ScheduleFlush(base::MonoTime at);
  void Flush();
  void Ping();

  base::Clock& clock_;
  Send send_;
  Options options_;
  std::unordered_map<std::string, PodState> pods_;
  PodTracked tracked_;
  bool started_ = false;
  bool ready_sent_ = false;
  bool stopping_ = false;
  bool stopping_sent_ = false;
  std::unordered_set<std::string> pending_;  // pods READY still waits for
  std::string last_status_;
  base::MonoTime last_flush_{};
  base::MonoTime flush_at_{};
  std::unique_ptr<base::Timer> flush_timer_;
  std::unique_ptr<base::Timer> watchdog_timer_;
};

}  // namespace probelet::cli
