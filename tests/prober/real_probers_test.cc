// The manager on the production clock with the real HTTP and TCP probers against a real
// server on 127.0.0.1: readiness follows the server's answers through the results updates,
// with the kubelet's event text, while a TCP liveness probe stays Success.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>

#include "base/asio_clock.h"
#include "probe/probers.h"
#include "prober/prober_manager.h"
#include "prober/testing/fakes.h"
#include "testing/http_test_server.h"

namespace probelet::prober {
namespace {

TEST(RealProbersTest, ReadinessFollowsARealServerAndLivenessStaysUp) {
  probelet::testing::HttpTestServer server;
  std::atomic<int> code{200};
  server.Handle("/ready", [&](const probelet::testing::SeenRequest&) {
    return probelet::testing::Response::Text(code.load(), "body");
  });

  boost::asio::io_context io;
  base::AsioClock clock(io);
  testing::FakeStatusProvider status;
  testing::FakeEventRecorder recorder;
  ProberMetrics metrics;
  auto http = probe::NewHttpProber(io, clock);
  auto tcp = probe::NewTcpProber(io, clock);
  ProberManager manager(clock, status, {http.get(), tcp.get(), nullptr, nullptr}, recorder,
                        metrics);

  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "uid-1";
  pod.spec.restart_policy = "Always";
  api::Container c;
  c.name = "app";
  c.ports.push_back({"http", server.port(), "TCP"});
  api::Probe readiness;
  readiness.timeout_seconds = 1;
  readiness.period_seconds = 1;
  readiness.success_threshold = 1;
  readiness.failure_threshold = 1;
  readiness.handler.http_get =
      api::HTTPGetAction{"/ready", api::IntOrString::String("http"), "", "HTTP", {}};
  api::Probe liveness = readiness;
  liveness.handler = {};
  liveness.handler.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(server.port()), ""};
  c.readiness_probe = readiness;
  c.liveness_probe = liveness;
  pod.spec.containers.push_back(c);

  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.pod_ip = "127.0.0.1";
  api::ContainerStatus cs;
  cs.name = "app";
  cs.container_id = "probelet://app-1";
  cs.state.running = api::ContainerStateRunning{clock.WallNow()};
  cs.started = true;
  s.container_statuses.push_back(cs);
  status.Set("uid-1", s);

  std::vector<CachedResult> seen;
  manager.readiness_results().SetUpdateHandler([&](const ResultUpdate& u) {
    seen.push_back(u.result);
    if (u.result == CachedResult::kSuccess) code = 500;  // now fail
    if (u.result == CachedResult::kFailure && code.load() == 500) io.stop();
  });
  boost::asio::steady_timer guard(io, std::chrono::seconds(10));
  guard.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) io.stop();
  });
  manager.AddPod(pod);
  io.run();

  // The initial Failure, then Success, then Failure on the 500. The initial value and the
  // first Success may be written before the drain runs, and then coalesce into one update
  // with the latest value (results_manager.h).
  if (!seen.empty() && seen.front() == CachedResult::kFailure) seen.erase(seen.begin());
  EXPECT_EQ(seen, (std::vector<CachedResult>{CachedResult::kSuccess, CachedResult::kFailure}));
  EXPECT_EQ(manager.liveness_results().Get("probelet://app-1"), CachedResult::kSuccess);
  ASSERT_FALSE(recorder.events.empty());
  EXPECT_EQ(recorder.events.back().reason, "Unhealthy");
  EXPECT_EQ(recorder.events.back().message,
            "Readiness probe failed: HTTP probe failed with statuscode: 500");
  EXPECT_EQ(recorder.events.back().object.field_path, "spec.containers{app}");
  EXPECT_GE(
      metrics.ProbeTotal({ProbeType::kReadiness, "app", "web", "default", "uid-1"}, "successful"),
      1);
  EXPECT_EQ(metrics.ProbeTotal({ProbeType::kReadiness, "app", "web", "default", "uid-1"}, "failed"),
            1);
  EXPECT_GE(server.requests().size(), 2u);
  EXPECT_EQ(server.requests()[0].target, "/ready");
}

}  // namespace
}  // namespace probelet::prober
