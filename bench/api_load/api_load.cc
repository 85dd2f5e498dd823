// api_load: does serving the API disturb probing? The real ProberManager runs N readiness
// workers (httpGet through the real HTTP prober against a local server, or --null-prober) on
// one event loop with the real ApiServer on the same loop, serving those pods; C API clients
// (a thread of their own, one keep-alive connection each, closed loop: a request as soon as
// the previous answer is read) fetch a mix of /pods, /metrics, /healthz and kubectl's
// /api/v1/pods Table. Prints probe lateness (each worker timer's delay behind its deadline:
// p50, p99, max), the loop monitor's max lag, and the clients' request rate and latency.
//
//   api_load --port P [--workers 1000] [--period 1] [--duration 5] [--clients 100]
//            [--paths /pods,/metrics,/healthz,/api/v1/pods] [--null-prober]
//            [--watchers 1000] [--watch-changes 10]
//
// Run it twice, --clients 0 and --clients 100, to compare (run.sh does both). --watchers opens
// that many `kubectl get pods -w` streams (Table watches from the current version, so idle
// until a pod changes); --watch-changes makes that many pod changes a second (each fanned out to
// every watcher).
// A benchmark program, not a test: real time, real sockets.

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/asio_clock.h"
#include "bench_support.h"
#include "probe/probers.h"
#include "prober/prober_manager.h"
#include "server/api_server.h"
#include "server/kube_api.h"
#include "server/loop_monitor.h"
#include "server/pod_encoding_cache.h"
#include "server/watch_cache.h"

namespace {

using namespace probelet;  // NOLINT: a benchmark's main file
namespace net = boost::asio;
namespace http = boost::beast::http;
using SteadyClock = std::chrono::steady_clock;

struct Options {
  int workers = 1000;
  int period = 1;
  double duration = 5;
  int port = 0;
  int clients = 100;
  std::vector<std::string> paths = {"/pods", "/metrics", "/healthz", "/api/v1/pods"};
  bool null_prober = false;
  int watchers = 0;
  double watch_changes = 0;  // pod changes per second
};

// The manager's view of pod status, and the API's view of the pods: one in-memory store.
class Store : public prober::StatusProvider, public server::PodSource {
 public:
  const api::PodStatus* GetPodStatus(std::string_view uid) const override {
    auto it = status_.find(std::string(uid));
    return it == status_.end() ? nullptr : &it->second;
  }
  std::vector<api::Pod> ListPods() const override {
    std::vector<api::Pod> out = pods_;
    for (auto& p : out) {
      p.status = status_.at(p.metadata.uid);
      manager_->UpdatePodStatus(p, p.status);
    }
    return out;
  }
  std::vector<api::Event> ListEvents() const override { return {}; }
  std::optional<std::string> LogPath(std::string_view, std::string_view, std::string_view,
                                     bool) const override {
    return std::nullopt;
  }
  void WriteMetrics(std::string& out) const override { metrics_->WriteText(out); }

  std::vector<api::Pod> pods_;
  std::unordered_map<std::string, api::PodStatus> status_;
  prober::ProberManager* manager_ = nullptr;
  prober::ProberMetrics* metrics_ = nullptr;
};

// Fixed pods with revisions, as the agent's status manager gives them: what the API's pod JSON
// cache (server/pod_encoding_cache.h) saves on a list of unchanged pods.
class Snapshot : public server::PodSource {
 public:
  explicit Snapshot(std::vector<api::Pod> pods) : pods_(std::move(pods)) {}
  std::vector<api::Pod> ListPods() const override { return pods_; }
  void WithPods(const std::function<void(std::span<const server::PodView>)>& visit) const override {
    std::vector<server::PodView> views;
    for (size_t i = 0; i < pods_.size(); ++i) views.push_back({&pods_[i], i + 1});
    visit(views);
  }
  std::vector<api::Event> ListEvents() const override { return {}; }
  std::optional<std::string> LogPath(std::string_view, std::string_view, std::string_view,
                                     bool) const override {
    return std::nullopt;
  }
  void WriteMetrics(std::string&) const override {}

 private:
  std::vector<api::Pod> pods_;
};

// One GET /pods produced to the end: its time and its slowest piece (what it holds the loop).
struct Produced {
  double ms = 0, slowest_piece_ms = 0;
  size_t pieces = 0, bytes = 0;
};
Produced ProducePodList(const server::PodSource& source,
                        const std::shared_ptr<server::PodEncodingCache>& cache) {
  auto ms = [](SteadyClock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  Produced out;
  auto t0 = SteadyClock::now();
  server::HttpResponse r = server::PodListJson(source, nullptr, cache);
  out.slowest_piece_ms = ms(SteadyClock::now() - t0);
  for (bool done = false; !done; ++out.pieces) {
    auto p0 = SteadyClock::now();
    done = r.produce(r.body);
    out.slowest_piece_ms = std::max(out.slowest_piece_ms, ms(SteadyClock::now() - p0));
  }
  out.ms = ms(SteadyClock::now() - t0);
  out.bytes = r.body.size();
  return out;
}

class NullRecorder : public api::EventRecorder {
 public:
  void Record(const api::ObjectReference&, std::string_view, std::string_view,
              std::string) override {}
};

// The API clients: their own thread and loop, one keep-alive connection each.
struct ClientStats {
  std::mutex mu;
  std::vector<int64_t> latency_ns;
  int64_t requests = 0, errors = 0, bytes = 0;
};

net::awaitable<void> Client(net::ip::tcp::endpoint server, std::vector<std::string> paths,
                            int index, std::atomic<bool>& stop, std::atomic<bool>& recording,
                            ClientStats& stats) {
  auto ex = co_await net::this_coro::executor;
  constexpr auto kTuple = net::as_tuple(net::use_awaitable);
  size_t turn = static_cast<size_t>(index);
  while (!stop) {
    net::ip::tcp::socket socket(ex);
    auto [cec] = co_await socket.async_connect(server, kTuple);
    if (cec) {
      std::lock_guard lock(stats.mu);
      ++stats.errors;
      continue;
    }
    boost::beast::flat_buffer buffer;
    while (!stop) {
      const std::string& path = paths[turn++ % paths.size()];
      http::request<http::empty_body> req{http::verb::get, path, 11};
      req.set(http::field::host, "bench");
      if (path.rfind("/api/", 0) == 0) {
        req.set(http::field::accept, "application/json;as=Table;v=v1;g=meta.k8s.io");
      }
      auto t0 = SteadyClock::now();
      auto [wec, wn] = co_await http::async_write(socket, req, kTuple);
      http::response<http::string_body> res;
      http::response_parser<http::string_body> parser;
      parser.body_limit(1 << 30);
      auto [rec, rn] = co_await http::async_read(socket, buffer, parser, kTuple);
      if (wec || rec) {
        std::lock_guard lock(stats.mu);
        ++stats.errors;
        break;
      }
      if (recording) {
        std::lock_guard lock(stats.mu);
        ++stats.requests;
        stats.bytes += static_cast<int64_t>(parser.get().body().size());
        stats.latency_ns.push_back((SteadyClock::now() - t0).count());
      }
    }
  }
}

// An idle `kubectl get pods -w`: a Table watch from `target`, reading whatever comes.
net::awaitable<void> WatchClient(net::ip::tcp::endpoint server, std::string target,
                                 std::atomic<bool>& stop, std::atomic<int64_t>& bytes,
                                 std::atomic<int>& open) {
  auto ex = co_await net::this_coro::executor;
  constexpr auto kTuple = net::as_tuple(net::use_awaitable);
  net::ip::tcp::socket socket(ex);
  if (auto [ec] = co_await socket.async_connect(server, kTuple); ec) co_return;
  std::string req = "GET " + target +
                    " HTTP/1.1\r\nHost: bench\r\nAccept: application/json;as=Table;v=v1;"
                    "g=meta.k8s.io,application/json\r\n\r\n";
  if (auto [ec, n] = co_await net::async_write(socket, net::buffer(req), kTuple); ec) co_return;
  ++open;
  char buf[16384];
  while (!stop) {
    auto [ec, n] = co_await socket.async_read_some(net::buffer(buf), kTuple);
    if (ec) break;
    bytes += static_cast<int64_t>(n);
  }
  --open;
}

void RunFor(net::io_context& io, double seconds) {
  net::steady_timer t(io);
  t.expires_after(
      std::chrono::duration_cast<SteadyClock::duration>(std::chrono::duration<double>(seconds)));
  t.async_wait([&](const boost::system::error_code&) { io.stop(); });
  io.restart();
  io.run();
}

int Run(const Options& o) {
  net::io_context io;
  base::AsioClock asio_clock(io);
  bench::MeasuringClock clock(asio_clock);
  Store store;
  NullRecorder recorder;
  prober::ProberMetrics metrics;
  std::unique_ptr<probe::HttpProber> http_prober = o.null_prober
                                                       ? std::make_unique<bench::NullHttpProber>(io)
                                                       : probe::NewHttpProber(io, asio_clock);
  prober::ProberManager manager(clock, store, {http_prober.get(), nullptr, nullptr, nullptr},
                                recorder, metrics);
  store.manager_ = &manager;
  store.metrics_ = &metrics;
  api::Time started = clock.WallNow() - std::chrono::hours(1);
  for (int i = 0; i < o.workers; ++i) {
    store.pods_.push_back(bench::MakePod(i, o.port, o.period));
    store.status_[store.pods_.back().metadata.uid] =
        bench::RunningStatus(store.pods_.back(), started);
  }
  for (const auto& pod : store.pods_) manager.AddPod(pod);

  {
    // What one /pods costs the loop, in its two parts (listing, encoding).
    auto t0 = SteadyClock::now();
    auto pods = store.ListPods();
    auto t1 = SteadyClock::now();
    server::HttpResponse r = server::PodListJson(store);
    size_t pieces = 0;
    auto slowest = SteadyClock::duration::zero();
    for (bool done = false; !done; ++pieces) {
      auto p0 = SteadyClock::now();
      done = r.produce(r.body);
      slowest = std::max(slowest, SteadyClock::now() - p0);
    }
    const std::string& body = r.body;
    auto t2 = SteadyClock::now();
    std::printf(
        "one_pods_request: list_ms=%.2f list_and_encode_ms=%.2f pieces=%zu "
        "slowest_piece_ms=%.2f bytes=%zu\n",
        std::chrono::duration<double, std::milli>(t1 - t0).count(),
        std::chrono::duration<double, std::milli>(t2 - t1).count(), pieces,
        std::chrono::duration<double, std::milli>(slowest).count(), body.size());
    // The same pods listed by the agent (with revisions): without the cache, the first list
    // with it (every pod encoded and kept), the next (every pod copied from it).
    Snapshot snapshot(std::move(pods));
    auto cache = std::make_shared<server::PodEncodingCache>();
    for (auto [what, c] : {std::pair{"uncached", std::shared_ptr<server::PodEncodingCache>()},
                           std::pair{"cache_cold", cache}, std::pair{"cache_warm", cache}}) {
      Produced p = ProducePodList(snapshot, c);
      std::printf("pods_list_%s: ms=%.2f pieces=%zu slowest_piece_ms=%.2f bytes=%zu\n", what, p.ms,
                  p.pieces, p.slowest_piece_ms, p.bytes);
    }
  }
  server::ApiServerOptions options;
  options.address = "127.0.0.1:0";
  options.max_connections = static_cast<size_t>(o.clients + o.watchers + 64);
  server::WatchCache watches(asio_clock);
  // The server's own monitor uses the plain clock: only probe timers are measured.
  server::ApiServer api(io, asio_clock, store, options, &watches);
  if (base::Status s = api.Start(); !s.ok()) {
    std::fprintf(stderr, "api_load: %s\n", s.error().message.c_str());
    return 1;
  }
  server::LoopMonitor monitor(asio_clock, std::chrono::seconds(10), std::chrono::milliseconds(10));
  monitor.Start();

  std::string bound = api.bound_address();
  net::ip::tcp::endpoint endpoint(
      net::ip::make_address("127.0.0.1"),
      static_cast<unsigned short>(std::stoi(bound.substr(bound.rfind(':') + 1))));
  std::atomic<bool> stop{false}, recording{false};
  ClientStats stats;
  net::io_context client_io;
  for (int i = 0; i < o.clients; ++i) {
    net::co_spawn(client_io, Client(endpoint, o.paths, i, stop, recording, stats), net::detached);
  }
  std::atomic<int64_t> watch_bytes{0};
  std::atomic<int> watches_open{0};
  for (int i = 0; i < o.watchers; ++i) {
    net::co_spawn(client_io,
                  WatchClient(endpoint, "/api/v1/pods?watch=true&resourceVersion=1", stop,
                              watch_bytes, watches_open),
                  net::detached);
  }
  std::thread client_thread([&] { client_io.run(); });
  // Pod changes for the watchers: the next pod's status stored again, as a readiness flip would.
  net::steady_timer changes(io);
  size_t changed = 0;
  std::function<void()> change_next = [&] {
    if (o.watch_changes <= 0) return;
    changes.expires_after(std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(1.0 / o.watch_changes)));
    changes.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      api::Pod pod = store.pods_[changed++ % store.pods_.size()];
      pod.status = store.status_.at(pod.metadata.uid);
      watches.PodChanged(pod);
      change_next();
    });
  };
  change_next();

  RunFor(io, o.period + 0.5);  // warm-up: first probes spread over one period
  monitor.Stop();
  server::LoopMonitor measured(asio_clock, std::chrono::seconds(10), std::chrono::milliseconds(10));
  measured.Start();
  clock.recording = true;
  recording = true;
  double cpu0 = bench::CpuSeconds();
  auto wall0 = SteadyClock::now();
  RunFor(io, o.duration);
  double wall = std::chrono::duration<double>(SteadyClock::now() - wall0).count();
  double cpu = bench::CpuSeconds() - cpu0;
  recording = false;
  clock.recording = false;
  stop = true;
  int watchers_open_at_end = watches_open.load();
  client_io.stop();
  client_thread.join();

  int not_ready = 0;
  for (const auto& pod : store.pods_) {
    auto r = manager.readiness_results().Get("probelet://" + pod.metadata.uid);
    if (r != prober::CachedResult::kSuccess) ++not_ready;
  }
  std::lock_guard lock(stats.mu);
  auto& lat = clock.lateness_ns;
  double max_ms = lat.empty() ? 0 : *std::max_element(lat.begin(), lat.end()) / 1e6;
  std::printf(
      "clients=%d workers=%d period_s=%d duration_s=%.1f probe_ticks=%zu "
      "lateness_ms_p50=%.3f p99=%.3f max=%.3f loop_max_lag_ms=%.3f api_requests=%lld "
      "api_req_per_s=%.0f api_errors=%lld api_mb_per_s=%.1f api_latency_ms_p50=%.2f "
      "p99=%.2f not_ready_at_end=%d cpu_s=%.2f wall_s=%.2f watchers=%d watchers_open=%d "
      "watch_changes=%zu watch_mb=%.1f\n",
      o.clients, o.workers, o.period, o.duration, lat.size(), bench::QuantileMs(lat, 0.5),
      bench::QuantileMs(lat, 0.99), max_ms,
      std::chrono::duration<double, std::milli>(measured.max_lag()).count(),
      static_cast<long long>(stats.requests), stats.requests / wall,
      static_cast<long long>(stats.errors), stats.bytes / wall / 1e6,
      bench::QuantileMs(stats.latency_ns, 0.5), bench::QuantileMs(stats.latency_ns, 0.99),
      not_ready, cpu, wall, o.watchers, watchers_open_at_end, changed, watch_bytes / 1e6);
  return not_ready == 0 ? 0 : 1;
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
    } else if (a == "--clients") {
      o.clients = std::stoi(next());
    } else if (a == "--paths") {
      o.paths.clear();
      std::stringstream ss(next());
      for (std::string p; std::getline(ss, p, ',');) o.paths.push_back(p);
    } else if (a == "--null-prober") {
      o.null_prober = true;
    } else if (a == "--watchers") {
      o.watchers = std::stoi(next());
    } else if (a == "--watch-changes") {
      o.watch_changes = std::stod(next());
    } else {
      std::fprintf(stderr,
                   "usage: api_load --port P [--workers N] [--period S] [--duration S] "
                   "[--clients C] [--paths /a,/b] [--null-prober] [--watchers W] "
                   "[--watch-changes R]\n");
      return 2;
    }
  }
  if (o.null_prober && o.port <= 0) o.port = 8080;  // never dialled
  if (o.port <= 0) {
    std::fprintf(stderr, "api_load: --port is required (run.sh starts nginx)\n");
    return 2;
  }
  return Run(o);
}
