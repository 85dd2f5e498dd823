// probe_load: drives probelet's real HTTP or TCP prober on a schedule, the way a node full of
// probe workers would, and reports what it cost.
//
//   probe_load --kind http --n 10000 --period 1s --duration 10s --target 127.0.0.1:18080
//       [--path /healthz] [--timeout 1s] [--close reset|linger1s|plain] [--https]
//
// N probes are spread evenly over each period (probe i of a period is due at i*period/N), all
// on one thread and one io_context. Probes are started by a base::AsioClock timer, the clock
// that times the prober manager's workers: it fires in 1 ms batches, so at 10k/s about ten
// probes start per wake-up, as a node's workers would (lateness includes that batching).
//
// Prints one line: probes, ok, failed (false failures: the target is healthy), wall and CPU
// time, CPU microseconds per probe (getrusage RUSAGE_SELF: user + system of this process
// alone), schedule lateness p50/p99/max (how late each probe started behind its due time),
// peak in-flight probes, peak RSS, and the sockets left behind (`ss`: TIME_WAIT on the client
// side and on the server side, client sockets in any state).
// See README.md and run.sh.
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "base/asio_clock.h"
#include "bench_support.h"
#include "probe/http_request.h"
#include "probe/probe_socket.h"
#include "probe/probers.h"

namespace {

using probelet::base::Duration;
using probelet::base::MonoTime;
namespace probe = probelet::probe;

struct Flags {
  std::string kind = "http";
  long n = 1000;
  Duration period = std::chrono::seconds(1);
  Duration duration = std::chrono::seconds(10);
  Duration timeout = std::chrono::seconds(1);
  std::string target = "127.0.0.1:18080";
  std::string path = "/healthz";
  std::string close = "reset";
  bool https = false;
};

bool ParseDuration(const std::string& s, Duration& out) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  const std::string unit = end ? end : "";
  double ns = 0;
  if (unit == "s") {
    ns = v * 1e9;
  } else if (unit == "ms") {
    ns = v * 1e6;
  } else if (unit == "us") {
    ns = v * 1e3;
  } else {
    return false;
  }
  out = Duration(static_cast<long long>(ns));
  return true;
}

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr,
               "probe_load: %s\nusage: probe_load --kind http|tcp --n N --period 1s --duration "
               "10s --target HOST:PORT [--path /healthz] [--timeout 1s] "
               "[--close reset|linger1s|plain] [--https]\n",
               why.c_str());
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) == 0) a = a.substr(1);
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) Usage("missing value for " + a);
      return argv[++i];
    };
    if (a == "-kind") {
      f.kind = value();
    } else if (a == "-n") {
      f.n = std::atol(value().c_str());
    } else if (a == "-period") {
      if (!ParseDuration(value(), f.period)) Usage("bad --period");
    } else if (a == "-duration") {
      if (!ParseDuration(value(), f.duration)) Usage("bad --duration");
    } else if (a == "-timeout") {
      if (!ParseDuration(value(), f.timeout)) Usage("bad --timeout");
    } else if (a == "-target") {
      f.target = value();
    } else if (a == "-path") {
      f.path = value();
    } else if (a == "-close") {
      f.close = value();
    } else if (a == "-https") {
      f.https = true;
    } else {
      Usage("unknown argument " + a);
    }
  }
  if (f.kind != "http" && f.kind != "tcp") Usage("--kind must be http or tcp");
  if (f.n <= 0) Usage("--n must be positive");
  return f;
}

long MaxRssKb() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

long CountLines(const std::string& command) {
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return -1;
  long lines = 0;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) ++lines;
  ::pclose(p);
  return lines;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  probe::CloseMode close_mode;
  if (!probe::ParseCloseMode(flags.close, close_mode)) Usage("bad --close");
  const size_t colon = flags.target.rfind(':');
  if (colon == std::string::npos) Usage("--target must be HOST:PORT");
  const std::string host = flags.target.substr(0, colon);
  const int port = std::atoi(flags.target.substr(colon + 1).c_str());

  boost::asio::io_context io(1);
  probelet::base::AsioClock clock(io);
  probe::ProberStats stats;
  const probe::ProbeSocketOptions options{close_mode};
  std::unique_ptr<probe::HttpProber> http;
  std::unique_ptr<probe::TcpProber> tcp;
  probe::HttpRequest request;
  if (flags.kind == "http") {
    http = probe::NewHttpProber(io, clock, options, &stats);
    auto r = probe::ParseProbeUrl(
        std::string(flags.https ? "https://" : "http://") + flags.target + flags.path, {});
    if (!r.ok()) Usage(r.error().message);
    request = *r;
  } else {
    tcp = probe::NewTcpProber(io, clock, options, &stats);
  }

  long started = 0;
  long ok = 0;
  long failed = 0;
  std::map<std::string, long> failure_texts;
  std::vector<uint32_t> lateness_us;
  const long total = static_cast<long>(
      static_cast<double>(flags.n) *
      (static_cast<double>(flags.duration.count()) / static_cast<double>(flags.period.count())));
  lateness_us.reserve(static_cast<size_t>(total));
  const Duration interval = flags.period / flags.n;

  auto on_done = [&](probe::Outcome o) {
    if (o.result == probe::Result::kSuccess) {
      ++ok;
    } else {
      ++failed;
      std::string text = o.output.empty() ? o.error.value_or("") : o.output;
      if (failure_texts.size() < 8 || failure_texts.count(text)) ++failure_texts[text];
    }
  };

  const double cpu0 = probelet::bench::CpuSeconds();
  const MonoTime t0 = clock.Now() + std::chrono::milliseconds(10);
  std::unique_ptr<probelet::base::Timer> timer = clock.NewTimer();
  std::function<void()> tick = [&]() {
    // Start every probe that is due; then sleep until the next one is.
    const MonoTime now = clock.Now();
    while (started < total) {
      const MonoTime due = t0 + interval * started;
      if (due > now) break;
      lateness_us.push_back(static_cast<uint32_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(now - due).count()));
      ++started;
      if (http) {
        http->Probe(request, flags.timeout, on_done);
      } else {
        tcp->Probe(host, port, flags.timeout, on_done);
      }
    }
    if (started < total) {
      timer->Arm(t0 + interval * started, [&] { tick(); });
    }
  };
  tick();
  // Run until every started probe has finished.
  while (started < total || ok + failed < started) {
    if (io.run_one() == 0) break;
  }
  const MonoTime t1 = clock.Now();
  const double cpu = probelet::bench::CpuSeconds() - cpu0;
  const double wall = std::chrono::duration<double>(t1 - t0).count();
  const long done = ok + failed;

  std::sort(lateness_us.begin(), lateness_us.end());
  auto pct = [&](double p) -> double {
    if (lateness_us.empty()) return 0;
    const size_t i = std::min(lateness_us.size() - 1,
                              static_cast<size_t>(p * static_cast<double>(lateness_us.size())));
    return lateness_us[i] / 1000.0;
  };
  const std::string p = std::to_string(port);
  const long tw_client = CountLines("ss -Htan state time-wait '( dport = :" + p + " )'");
  const long tw_server = CountLines("ss -Htan state time-wait '( sport = :" + p + " )'");
  const long client_sockets = CountLines("ss -Htan '( dport = :" + p + " )'");

  std::printf(
      "kind=%s close=%s probes=%ld ok=%ld failed=%ld wall_s=%.2f probes_per_s=%.0f cpu_s=%.2f "
      "cpu_us_per_probe=%.1f lateness_ms_p50=%.2f p99=%.2f max=%.2f peak_in_flight=%zu "
      "maxrss_kb=%ld timewait_client=%ld timewait_server=%ld client_sockets=%ld\n",
      flags.kind.c_str(), flags.close.c_str(), done, ok, failed, wall,
      static_cast<double>(done) / wall, cpu, done ? cpu * 1e6 / static_cast<double>(done) : 0.0,
      pct(0.5), pct(0.99), lateness_us.empty() ? 0.0 : lateness_us.back() / 1000.0,
      stats.peak_in_flight, MaxRssKb(), tw_client, tw_server, client_sockets);
  for (const auto& [text, count] : failure_texts) {
    std::printf("  failure x%ld: %s\n", count, text.c_str());
  }
  return failed == 0 ? 0 : 1;
}
