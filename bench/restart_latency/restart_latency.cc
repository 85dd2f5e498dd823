// restart_latency: how long probelet takes to act on a failed liveness probe (issue #5 §7,
// target <= 5 ms): from the liveness cache's Set(Failure) to the SIGTERM sent to the container's
// process group. The path measured is the production one: the results cache schedules its
// update on the loop, the Kubelet routes it to the pod worker (§6.1.1), the worker computes the
// actions (§6.2), records the Killing event and calls the process runtime's StopContainer,
// which signals the group before returning. The probe attempts themselves are not included
// (their timing is the prober's, and thresholds count periods, not latency).
//
// Each round: Set(Failure) on the running container, measure until StopContainer has sent
// SIGTERM, then wait for the replacement to run before the next round. The container is
// `sleep`, which dies on SIGTERM at once. The back-off is shrunk to 1 ms so that every round
// restarts at once (the kubelet's 10 s would only slow the bench down; it does not sit on the
// measured path).
//
// Usage: restart_latency [ROUNDS]   (default 200; about 2 ms per round plus the restart)
// Prints min, median, p90, p99 and max in microseconds.
#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <vector>

#include "base/asio_clock.h"
#include "kubelet/event_store.h"
#include "kubelet/kubelet.h"
#include "kubelet/runtime_command_runner.h"
#include "kubelet/status_manager.h"
#include "prober/prober_manager.h"
#include "prober/prober_metrics.h"
#include "runtime/process_runtime.h"

using namespace probelet;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 200;
  boost::asio::io_context io;
  base::AsioClock clock(io);
  char tmpl[] = "/tmp/probelet-restart-latency-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);

  runtime::ProcessRuntime runtime(io, clock);
  kubelet::StatusManager status(clock);
  kubelet::EventStore events(clock);
  kubelet::RuntimeCommandRunner exec(runtime);
  prober::ProberMetrics metrics;
  prober::ProberManager probers(clock, status, {nullptr, nullptr, nullptr, &exec}, events, metrics);
  kubelet::CrashLoopBackOff backoff(clock, {.initial = 1ms, .max = 1ms, .reset_after = 600s});
  kubelet::PodWorkerEnv env;
  env.clock = &clock;
  env.runtime = &runtime;
  env.probers = &probers;
  env.status = &status;
  env.recorder = &events;
  env.backoff = &backoff;
  env.pods_log_dir = dir + "/pods";
  kubelet::Kubelet kubelet(env);

  api::Pod pod;
  pod.metadata.name = "bench";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "restart-latency";
  pod.spec.restart_policy = "Always";
  pod.spec.termination_grace_period_seconds = 5;
  api::Container c;
  c.name = "app";
  c.command = {"sleep", "1000"};
  pod.spec.containers.push_back(c);
  kubelet.AddPod(pod);

  std::vector<double> micros;
  base::MonoTime set_at{};
  bool waiting_kill = false;
  kubelet.GetWorker(pod.metadata.uid)->SetKillObserver([&](const std::string&) {
    if (!waiting_kill) return;
    waiting_kill = false;
    micros.push_back(std::chrono::duration<double, std::micro>(clock.Now() - set_at).count());
  });

  // Drives the rounds from a polling timer: when the container runs (a new ID) and no kill is
  // pending, fail it.
  std::string last_failed;
  auto timer = clock.NewTimer();
  std::function<void()> tick = [&] {
    if (static_cast<int>(micros.size()) >= rounds) {
      io.stop();
      return;
    }
    const api::PodStatus* s = status.GetPodStatus(pod.metadata.uid);
    if (!waiting_kill && s != nullptr && !s->container_statuses.empty() &&
        s->container_statuses[0].state.running &&
        s->container_statuses[0].container_id != last_failed) {
      last_failed = s->container_statuses[0].container_id;
      waiting_kill = true;
      set_at = clock.Now();
      probers.liveness_results().Set(last_failed, prober::CachedResult::kFailure, pod);
    }
    timer->Arm(clock.Now() + 1ms, tick);
  };
  timer->Arm(clock.Now() + 10ms, tick);
  io.run_for(std::chrono::seconds(30 + rounds / 10));

  if (micros.empty()) {
    std::fprintf(stderr, "restart_latency: no kill observed\n");
    return 1;
  }
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) {
    return micros[std::min(micros.size() - 1, size_t(p * micros.size()))];
  };
  std::printf(
      "restart_latency: %zu kills, liveness Failure in cache -> SIGTERM sent (us): min %.0f "
      "median %.0f p90 %.0f p99 %.0f max %.0f\n",
      micros.size(), micros.front(), pct(0.5), pct(0.9), pct(0.99), micros.back());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
