// prober_scale: how the prober manager behaves with many workers on one event loop.
//
//   prober_scale --port P [--workers 10000] [--period 1] [--duration 10] [--path /healthz]
//     N readiness workers (one pod each, httpGet on 127.0.0.1:P) through the real HTTP
//     prober and the kubelet's StatusManager, for `duration` seconds after a one-period
//     warm-up (the start-up jitter spreads the first probes over it). Prints CPU per probe
//     (getrusage user+sys / probes), lateness of each probe start behind its tick (p50, p99,
//     max; measured on the worker timers' deadlines), false failures, RSS.
//     --probe-history N: each worker keeps its last N attempts (prober/probe_history.h), as
//     `probelet run` does with 100; run it for 100 periods or more to fill the rings.
//   prober_scale --null-prober [--workers N ...]
//     The same with an HTTP prober that answers 200 at once (posted to the loop): the cost
//     of the manager's own layer (timers, doProbe, request building, caches, metrics).
//   prober_scale --idle 100000 [--idle-seconds 2]
//     N idle workers (period 1 h, no pod status yet): memory per worker (heap bytes from
//     mallinfo2 and RSS growth, divided by N) and the CPU the idle loop uses.
//
// A benchmark program, not a test: real time, real sockets.
#include <malloc.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "bench_support.h"
#include "kubelet/status_manager.h"
#include "probe/probers.h"
#include "prober/prober_manager.h"

namespace {

using namespace probelet;  // NOLINT: a benchmark's main file
using Clock = std::chrono::steady_clock;

struct Options {
  int workers = 10000;
  int period = 1;
  double duration = 10;
  int port = 0;
  std::string path = "/healthz";
  int idle = 0;
  double idle_seconds = 2;
  bool null_prober = false;
  size_t probe_history = 0;  // attempts each worker keeps (`probelet run` keeps 100)
};

long StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') {
      return std::stol(line.substr(n + 1));
    }
  }
  return -1;
}

size_t HeapBytes() { return mallinfo2().uordblks; }

class CountingRecorder : public api::EventRecorder {
 public:
  void Record(const api::ObjectReference&, std::string_view, std::string_view reason,
              std::string message) override {
    if (by_reason[std::string(reason)]++ == 0) first_message = std::move(message);
  }
  std::map<std::string, int> by_reason;
  std::string first_message;
};

// Counts outcomes of the real HTTP prober.
class CountingHttpProber : public probe::HttpProber {
 public:
  explicit CountingHttpProber(std::unique_ptr<probe::HttpProber> inner)
      : inner_(std::move(inner)) {}
  using probe::HttpProber::Probe;
  void Probe(probe::HttpRequestPtr request, base::Duration timeout,
             probe::OutcomeCallback done) override {
    inner_->Probe(std::move(request), timeout, [this, done = std::move(done)](probe::Outcome o) {
      if (recording) {
        if (o.result == probe::Result::kSuccess && !o.error) {
          ++ok;
        } else {
          ++failed;
          if (first_failure.empty()) first_failure = o.error ? *o.error : o.output;
        }
      }
      done(std::move(o));
    });
  }
  bool recording = false;
  int64_t ok = 0, failed = 0;
  std::string first_failure;

 private:
  std::unique_ptr<probe::HttpProber> inner_;
};

void RunFor(boost::asio::io_context& io, double seconds) {
  boost::asio::steady_timer t(io);
  t.expires_after(
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
  t.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.restart();
  io.run();
}

int ProbeMode(const Options& o) {
  boost::asio::io_context io;
  base::AsioClock asio_clock(io);
  bench::MeasuringClock clock(asio_clock);
  kubelet::StatusManager status(clock);  // the product's: every probe looks its pod up here
  CountingRecorder recorder;
  prober::ProberMetrics metrics;
  CountingHttpProber http(o.null_prober ? std::make_unique<bench::NullHttpProber>(io)
                                        : probe::NewHttpProber(io, asio_clock));
  prober::ProberManager manager(clock, status, {&http, nullptr, nullptr, nullptr}, recorder,
                                metrics, /*seed=*/1, o.probe_history);
  api::Time started = clock.WallNow() - std::chrono::hours(1);
  std::vector<api::Pod> pods;
  pods.reserve(o.workers);
  for (int i = 0; i < o.workers; ++i) {
    pods.push_back(bench::MakePod(i, o.port, o.period, o.path));
    status.AddPod(pods.back());
    status.SetPodStatus(pods.back().metadata.uid, bench::RunningStatus(pods.back(), started));
  }
  for (const auto& pod : pods) manager.AddPod(pod);

  // Warm-up: one period (the jitter spreads first probes over it) plus a little.
  RunFor(io, o.period + 0.5);
  clock.recording = http.recording = true;
  clock.lateness_ns.reserve(static_cast<size_t>(o.workers * o.duration / o.period * 1.2));
  double cpu0 = bench::CpuSeconds();
  auto wall0 = Clock::now();
  RunFor(io, o.duration);
  double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  double cpu = bench::CpuSeconds() - cpu0;
  clock.recording = http.recording = false;

  int not_ready = 0;
  for (const auto& pod : pods) {
    auto r = manager.readiness_results().Get("probelet://" + pod.metadata.uid);
    if (r != prober::CachedResult::kSuccess) ++not_ready;
  }
  int64_t probes = http.ok + http.failed;
  auto& lat = clock.lateness_ns;
  double max_ms = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end()) / 1e6;
  std::printf(
      "mode=%s workers=%d period_s=%d duration_s=%.1f probes=%lld ok=%lld failed=%lld "
      "probes_per_s=%.0f wall_s=%.2f cpu_s=%.2f cpu_us_per_probe=%.1f lateness_ms_p50=%.3f "
      "p99=%.3f max=%.3f not_ready_at_end=%d events=%zu probe_history=%zu rss_kb=%ld "
      "maxrss_kb=%ld\n",
      o.null_prober ? "null-prober" : "probe", o.workers, o.period, o.duration,
      static_cast<long long>(probes), static_cast<long long>(http.ok),
      static_cast<long long>(http.failed), probes / wall, wall, cpu,
      probes ? cpu * 1e6 / probes : 0.0, bench::QuantileMs(lat, 0.5), bench::QuantileMs(lat, 0.99),
      max_ms, not_ready, recorder.by_reason.size(), o.probe_history, StatusKb("VmRSS"),
      StatusKb("VmHWM"));
  if (!http.first_failure.empty()) std::printf("first failure: %s\n", http.first_failure.c_str());
  if (!recorder.first_message.empty()) {
    std::printf("first event: %s\n", recorder.first_message.c_str());
  }
  return http.failed == 0 ? 0 : 1;
}

int IdleMode(const Options& o) {
  boost::asio::io_context io;
  base::AsioClock clock(io);
  kubelet::StatusManager status(clock);  // no pods: workers find nothing to probe
  CountingRecorder recorder;
  prober::ProberMetrics metrics;
  auto http = probe::NewHttpProber(io, clock);
  std::vector<api::Pod> pods;
  pods.reserve(o.idle);
  for (int i = 0; i < o.idle; ++i) pods.push_back(bench::MakePod(i, 8080, 3600, o.path));

  malloc_trim(0);
  size_t heap0 = HeapBytes();
  long rss0 = StatusKb("VmRSS");
  auto t0 = Clock::now();
  auto manager = std::make_unique<prober::ProberManager>(
      clock, status, prober::ProbeHandlers{http.get(), nullptr, nullptr, nullptr}, recorder,
      metrics);
  for (const auto& pod : pods) manager->AddPod(pod);
  double add_s = std::chrono::duration<double>(Clock::now() - t0).count();
  size_t heap1 = HeapBytes();
  long rss1 = StatusKb("VmRSS");

  double cpu0 = bench::CpuSeconds();
  RunFor(io, o.idle_seconds);
  double cpu = bench::CpuSeconds() - cpu0;
  size_t heap2 = HeapBytes();
  std::printf(
      "mode=idle workers=%zu add_s=%.2f heap_bytes_per_worker=%.0f (after %.0fs idle: %.0f) "
      "rss_kb_growth=%ld rss_bytes_per_worker=%.0f idle_cpu_s=%.3f over %.1fs rss_kb=%ld\n",
      manager->worker_count(), add_s, double(heap1 - heap0) / o.idle, o.idle_seconds,
      double(heap2 - heap0) / o.idle, rss1 - rss0, (rss1 - rss0) * 1024.0 / o.idle, cpu,
      o.idle_seconds, StatusKb("VmRSS"));
  return manager->worker_count() == static_cast<size_t>(o.idle) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--workers") {
      o.workers = std::stoi(next());
    } else if (a == "--period") {
      o.period = std::stoi(next());
    } else if (a == "--duration") {
      o.duration = std::stod(next());
    } else if (a == "--port") {
      o.port = std::stoi(next());
    } else if (a == "--path") {
      o.path = next();
    } else if (a == "--idle") {
      o.idle = std::stoi(next());
    } else if (a == "--null-prober") {
      o.null_prober = true;
    } else if (a == "--probe-history") {
      o.probe_history = static_cast<size_t>(std::stoul(next()));
    } else if (a == "--idle-seconds") {
      o.idle_seconds = std::stod(next());
    } else {
      std::fprintf(
          stderr,
          "usage: prober_scale --port P [--workers N] [--period S] [--duration S] "
          "[--path P] [--null-prober] [--probe-history N] | --idle N [--idle-seconds S]\n");
      return 2;
    }
  }
  if (o.idle > 0) return IdleMode(o);
  if (o.null_prober && o.port <= 0) o.port = 8080;  // never dialled
  if (o.port <= 0) {
    std::fprintf(stderr, "prober_scale: --port is required (run.sh starts nginx)\n");
    return 2;
  }
  return ProbeMode(o);
}
