// A test world for workers and the manager, after the kubelet's common_test.go: one pod
// (UID "pOd_UiD", container "cOnTaInEr_NaMe", ID "test://cOnTaInEr_Id", restartPolicy Never),
// a test probe (timeout 1, period 1, thresholds 1/1, a TCP handler on port 8080 unless said
// otherwise), fake handlers, a virtual clock and a WorkerEnv wired to them.
//
// Single-threaded.
#pragma once

#include <memory>
#include <string>

#include "api/pod.h"
#include "base/virtual_clock.h"
#include "prober/prober.h"
#include "prober/prober_metrics.h"
#include "prober/results_manager.h"
#include "prober/testing/fakes.h"
#include "prober/worker.h"

namespace probelet::prober::testing {

inline constexpr const char* kPodUid = "pOd_UiD";
inline constexpr const char* kPodName = "test_pod";
inline constexpr const char* kPodNamespace = "test_ns";
inline constexpr const char* kContainerName = "cOnTaInEr_NaMe";
inline constexpr const char* kContainerId = "test://cOnTaInEr_Id";

// The kubelet test probe: timeout 1, period 1, success 1, failure 1; TCP on 8080.
api::Probe TestProbe();
// A container named kContainerName with `probe` set for `type`.
api::Container TestContainer(ProbeType type, const api::Probe& probe);
// The test pod (restartPolicy Never) holding `container`.
api::Pod TestPod(const api::Container& container);
// Phase Running, one container status: kContainerId, Running since `started_at`, Started as
// given (nullopt: unset).
api::PodStatus RunningStatus(api::Time started_at, std::optional<bool> started);

struct TestEnv {
  TestEnv();
  ~TestEnv();
  // A worker for the test pod (its container holding `probe` as `type`); not started.
  std::unique_ptr<Worker> NewWorker(ProbeType type, const api::Probe& probe);
  std::unique_ptr<Worker> NewWorker(const api::Pod& pod, ProbeType type);
  ResultsManager& results(ProbeType t) { return *env.results[static_cast<int>(t)]; }
  std::optional<CachedResult> Cached(ProbeType t, const std::string& id = kContainerId) {
    return results(t).Get(id);
  }
  api::Time Now() const { return clock.WallNow(); }

  base::VirtualClock clock;
  FakeStatusProvider status;
  FakeEventRecorder recorder;
  FakeHttpProber http{clock};
  FakeTcpProber tcp{clock};
  FakeGrpcProber grpc{clock};
  FakeCommandRunner exec{clock};
  ProberMetrics metrics;
  ResultsManager liveness{clock}, readiness{clock}, startup{clock};
  Prober prober{clock, {&http, &tcp, &grpc, &exec}, recorder};
  WorkerEnv env;
  int exits = 0;  // on_exit calls
};

}  // namespace probelet::prober::testing
