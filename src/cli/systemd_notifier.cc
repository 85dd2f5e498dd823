#include "cli/systemd_notifier.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>

namespace probelet::cli {

std::string PodsSummary(size_t pods, size_t ready, size_t restarting) {
  return std::to_string(pods) + (pods == 1 ? " pod, " : " pods, ") + std::to_string(ready) +
         " ready, " + std::to_string(restarting) + " restarting";
}

std::unique_ptr<SystemdNotifier> SystemdNotifier::FromEnvironment(base::Clock& clock) {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  if (socket == nullptr || *socket == '\0') {
    return std::make_unique<SystemdNotifier>(clock, nullptr, Options{});
  }
  Options options;
  uint64_t usec = 0;
  if (::sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    options.watchdog_interval = std::chrono::microseconds(usec / 2);
  }
  // A failed send (systemd gone, socket removed) changes nothing for the pods: not retried.
  Send send = [](const std::string& state) { ::sd_notify(0, state.c_str()); };
  return std::make_unique<SystemdNotifier>(clock, std::move(send), options);
}

SystemdNotifier::SystemdNotifier(base::Clock& clock, Send send, Options options)
    : clock_(clock), send_(std::move(send)), options_(options) {
  if (!enabled()) return;
  flush_timer_ = clock_.NewTimer();
  if (options_.watchdog_interval > base::Duration::zero()) {
    watchdog_timer_ = clock_.NewTimer();
    watchdog_timer_->Arm(clock_.Now(), [this] { Ping(); });
  }
}

SystemdNotifier::~SystemdNotifier() = default;

void SystemdNotifier::Start(const std::vector<std::string>& pod_uids, PodTracked tracked) {
  if (!enabled() || started_) return;
  started_ = true;
  tracked_ = std::move(tracked);
  for (const auto& uid : pod_uids) {
    if (pods_.count(uid) == 0) pending_.insert(uid);
  }
  ScheduleFlush(clock_.Now());
}

void SystemdNotifier::PodStatusChanged(const api::Pod& pod) {
  if (!enabled()) return;
  pods_[pod.metadata.uid] = Summarize(pod.status);
  pending_.erase(pod.metadata.uid);
  ScheduleFlush(std::max(clock_.Now(), last_flush_ + options_.status_min_interval));
}

void SystemdNotifier::Stopping() {
  if (!enabled() || stopping_) return;
  stopping_ = true;
  Flush();
}

SystemdNotifier::PodState SystemdNotifier::Summarize(const api::PodStatus& status) {
  PodState s;
  for (const auto& c : status.conditions) {
    if (c.type == "Ready") s.ready = c.status == "True";
  }
  for (const auto& c : status.container_statuses) {
    if (c.state.waiting && c.state.waiting->reason == "CrashLoopBackOff") s.crash_loop = true;
    if (c.restart_count > 0 && c.state.running) {
      s.last_restart = std::max(s.last_restart, c.state.running->started_at);
    }
  }
  return s;
}

void SystemdNotifier::ScheduleFlush(base::MonoTime at) {
  if (flush_timer_->armed() && flush_at_ <= at) return;
  flush_at_ = at;
  flush_timer_->Arm(at, [this] { Flush(); });
}

void SystemdNotifier::Flush() {
  last_flush_ = clock_.Now();
  if (tracked_) {
    std::erase_if(pods_, [&](const auto& p) { return !tracked_(p.first); });
    std::erase_if(pending_, [&](const std::string& uid) { return !tracked_(uid); });
  }
  const api::Time now = clock_.WallNow();
  size_t ready = 0;
  size_t restarting = 0;
  std::optional<api::Time> recount;  // when a "restarted lately" pod leaves the count
  for (const auto& [uid, s] : pods_) {
    if (s.ready) ++ready;
    const api::Time until = s.last_restart + options_.restart_window;
    const bool recent = s.last_restart != api::Time{} && now < until;
    if (s.crash_loop || recent) ++restarting;
    if (recent) recount = std::min(recount.value_or(until), until);
  }
  std::string message;
  if (stopping_ && !stopping_sent_) {
    message = "STOPPING=1\n";
    stopping_sent_ = true;
  } else if (started_ && !ready_sent_ && !stopping_ && pending_.empty()) {
    message = "READY=1\n";
    ready_sent_ = true;
  }
  std::string status;
  if (stopping_) {
    status = "stopping: " + PodsSummary(pods_.size(), ready, restarting);
  } else if (ready_sent_) {
    status = PodsSummary(pods_.size(), ready, restarting);
  } else if (started_) {
    status = "starting: " + std::to_string(pods_.size()) + " of " +
             std::to_string(pods_.size() + pending_.size()) + " pods synced";
  }  // else: nothing to say before the start-up is done
  if (!status.empty() && status != last_status_) {
    message += "STATUS=" + status + "\n";
    last_status_ = std::move(status);
  }
  if (!message.empty()) {
    message.pop_back();
    send_(message);
  }
  if (recount) ScheduleFlush(clock_.Now() + (*recount - now));
}

void SystemdNotifier::Ping() {
  send_("WATCHDOG=1");
  watchdog_timer_->Arm(clock_.Now() + options_.watchdog_interval, [this] { Ping(); });
}

}  // namespace probelet::cli
