// simulate_scale [PODS] [HOURS]: simulates PODS pods (default 100) for HOURS hours (default 24)
// with the kubelet engine of `probelet simulate`, and prints the CPU time it took, the probes
// run and the events recorded. Each pod has a startup, a readiness and a liveness probe (HTTP,
// TCP, exec); a third of the containers flap their readiness, a third crash every 40 min, a
// third fail liveness for a while every hour, so restarts, back-off and Ready transitions all
// happen throughout.
#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "api/manifest_loader.h"
#include "api/uid.h"
#include "sim/simulation.h"

namespace {

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

std::string Pod(int i) {
  std::string n = std::to_string(i);
  return R"(---
apiVersion: v1
kind: Pod
metadata: {name: pod-)" +
         n + R"(, namespace: default}
spec:
  containers:
  - name: c)" +
         std::to_string(i % 3) + R"(
    image: local
    command: [/bin/app]
    startupProbe:
      httpGet: {path: /started, port: 8080}
      periodSeconds: 2
      failureThreshold: 30
    readinessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 5
    livenessProbe:
      exec: {command: [/bin/check]}
      periodSeconds: 10
)";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace probelet;
  const int pods = argc > 1 ? std::atoi(argv[1]) : 100;
  const int hours = argc > 2 ? std::atoi(argv[2]) : 24;
  std::string manifest;
  for (int i = 0; i < pods; ++i) manifest += Pod(i);
  api::UidGenerator uids(1);
  api::ParseLimits limits;
  limits.max_bytes = 64 << 20;
  api::LoadResult loaded =
      api::LoadPodsFromText(manifest, api::ManifestFormat::kYaml, "bench", uids, limits);
  if (loaded.has_errors() || static_cast<int>(loaded.pods.size()) != pods) {
    std::fprintf(stderr, "bad manifest: %zu pods\n", loaded.pods.size());
    return 1;
  }
  auto scenario = sim::ParseScenario(R"(
containers:
  c0: {startupSeconds: 20, readiness: {fail: [{from: 5m, for: 1m, every: 7m}]}}
  c1: {startupSeconds: 5, exitAfter: {after: 40m, code: 1}}
  c2: {liveness: {fail: [{from: 50m, for: 2m, every: 1h}], latency: 10ms}}
)",
                                     "bench");
  if (!scenario.ok()) {
    std::fprintf(stderr, "%s\n", scenario.error().message.c_str());
    return 1;
  }
  std::vector<api::Pod> list;
  for (auto& p : loaded.pods) list.push_back(std::move(p.pod));
  sim::SimulationOptions options;
  options.duration = std::chrono::hours(hours);
  options.record_timeline = false;
  const double cpu0 = CpuSeconds();
  auto result = sim::Simulate(list, *scenario, options);
  const double cpu = CpuSeconds() - cpu0;
  if (!result.ok()) {
    std::fprintf(stderr, "%s\n", result.error().message.c_str());
    return 1;
  }
  int restarts = 0;
  for (const auto& p : result->pods) restarts += p.restarts;
  std::printf("simulated %d pods for %d h: %.2f s of CPU, %llu events, %d restarts\n", pods, hours,
              cpu, static_cast<unsigned long long>(result->events), restarts);
  return 0;
}
