// The prober wrapper (the kubelet's prober.go, §4.2, §7.1): T20-T24 as far as they concern
// the wrapper (the handlers themselves are tested in tests/probe), retries and events.
#include "prober/prober.h"

#include <gtest/gtest.h>

#include <chrono>

#include "prober/testing/test_env.h"

namespace probelet::prober {
namespace {

using testing::TestEnv;

class ProberTest : public ::testing::TestWithParam<ProbeType> {
 protected:
  ProbeType type() const { return GetParam(); }
  // Probes `container` (of the test pod) and runs the loop until it answers.
  ProberResult Run(const api::Container& container, bool init = false) {
    ProbeTarget target =
        MakeProbeTarget(MakePodRef(testing::TestPod(container)), container, init, type());
    api::PodStatus status = testing::RunningStatus(t_.Now(), true);
    std::optional<ProberResult> got;
    t_.prober.Probe(target, status, testing::kContainerId,
                    [&](ProberResult r) { got = std::move(r); });
    EXPECT_FALSE(got.has_value()) << "answered inside Probe()";
    t_.clock.RunUntilIdle();
    EXPECT_TRUE(got.has_value());
    return got.value_or(ProberResult{});
  }
  api::Container With(api::ProbeHandler handler) {
    api::Probe p = testing::TestProbe();
    p.handler = std::move(handler);
    return testing::TestContainer(type(), p);
  }
  api::Container Http(api::IntOrString port = api::IntOrString::Int(8080)) {
    api::ProbeHandler h;
    h.http_get = api::HTTPGetAction{"/healthz", port, "", "HTTP", {}};
    return With(h);
  }
  api::Container Tcp(api::IntOrString port = api::IntOrString::Int(8080)) {
    api::ProbeHandler h;
    h.tcp_socket = api::TCPSocketAction{port, ""};
    return With(h);
  }
  api::Container Grpc() {
    api::ProbeHandler h;
    h.grpc = api::GRPCAction{9090, std::string("svc")};
    return With(h);
  }
  api::Container Exec(std::vector<std::string> command) {
    api::ProbeHandler h;
    h.exec = api::ExecAction{std::move(command)};
    return With(h);
  }
  std::string Type() const { return std::string(ToString(type())); }
  TestEnv t_;
};

INSTANTIATE_TEST_SUITE_P(AllTypes, ProberTest,
                         ::testing::Values(ProbeType::kLiveness, ProbeType::kReadiness,
                                           ProbeType::kStartup),
                         [](const auto& info) { return std::string(ToString(info.param)); });

void ExpectResult(const ProberResult& r, CachedResult want, bool error, const std::string& row) {
  EXPECT_EQ(r.result, want) << row;
  EXPECT_EQ(r.error.has_value(), error) << row << (r.error ? ": " + *r.error : "");
}

TEST_P(ProberTest, HttpRequestIsBuiltOncePerPodIpAndAgainWhenTheIpChanges) {
  // The target keeps the request it built: later periods reuse it, a new pod IP rebuilds it.
  api::Container c = Http();
  ProbeTarget target = MakeProbeTarget(MakePodRef(testing::TestPod(c)), c, false, type());
  api::PodStatus status = testing::RunningStatus(t_.Now(), true);
  auto probe = [&] {
    t_.prober.Probe(target, status, testing::kContainerId, [](ProberResult) {});
    t_.clock.RunUntilIdle();
  };
  probe();
  const probe::HttpRequestPtr first = target.http_request;
  ASSERT_NE(first, nullptr);
  probe();
  EXPECT_EQ(target.http_request, first) << "same pod IP: the request is reused";
  status.pod_ip = "10.0.0.8";
  probe();
  ASSERT_EQ(t_.http.requests.size(), 3u);
  EXPECT_EQ(t_.http.requests[0].host, "10.0.0.7");
  EXPECT_EQ(t_.http.requests[1].host, "10.0.0.7");
  EXPECT_EQ(t_.http.requests[2].host, "10.0.0.8");
  EXPECT_NE(target.http_request, first);
}

TEST_P(ProberTest, T20NilProbeIsSuccess) {
  api::Container c;
  c.name = testing::kContainerName;
  ExpectResult(Run(c), CachedResult::kSuccess, false, "nil probe");
  EXPECT_TRUE(t_.recorder.events.empty());
}

TEST_P(ProberTest, T20ProbeWithNoHandlerErrors) {
  ProberResult r = Run(With({}));
  ExpectResult(r, CachedResult::kFailure, true, "no handler");
  EXPECT_EQ(*r.error, "missing probe handler for test_pod_test_ns(pOd_UiD):cOnTaInEr_NaMe");
}

TEST_P(ProberTest, T20HandlerResultsMapToCachedResults) {
  const std::pair<probe::Result, CachedResult> rows[] = {
      {probe::Result::kSuccess, CachedResult::kSuccess},
      {probe::Result::kFailure, CachedResult::kFailure},
      {probe::Result::kWarning, CachedResult::kSuccess},
      {probe::Result::kUnknown, CachedResult::kFailure},
  };
  for (const auto& [handler, want] : rows) {
    std::string name(probe::ToString(handler));
    t_.http.SetResult(handler);
    ExpectResult(Run(Http()), want, false, "HTTP " + name);
    t_.tcp.SetResult(handler);
    ExpectResult(Run(Tcp()), want, false, "TCP " + name);
    t_.grpc.SetResult(handler);
    ExpectResult(Run(Grpc()), want, false, "gRPC " + name);
  }
  t_.exec.SetResult(probe::Result::kSuccess);
  ExpectResult(Run(Exec({"true"})), CachedResult::kSuccess, false, "exec success");
  t_.exec.SetResult(probe::Result::kFailure);
  ExpectResult(Run(Exec({"false"})), CachedResult::kFailure, false, "exec failure");
  t_.exec.SetError("rpc error: runtime down");
  ExpectResult(Run(Exec({"x"})), CachedResult::kFailure, true, "exec unknown with error");
}

TEST_P(ProberTest, T20UnresolvablePortErrors) {
  ProberResult r = Run(Http(api::IntOrString::String("abc")));
  ExpectResult(r, CachedResult::kFailure, true, "HTTP port abc");
  EXPECT_EQ(t_.http.calls, 0);
  r = Run(Tcp(api::IntOrString::String("abc")));
  ExpectResult(r, CachedResult::kFailure, true, "TCP port abc");
  EXPECT_EQ(t_.tcp.calls, 0);
  ASSERT_EQ(t_.recorder.events.size(), 2u);
  EXPECT_EQ(t_.recorder.events[1].reason, "Unhealthy");
  EXPECT_EQ(t_.recorder.events[1].message,
            Type() + " probe errored and resulted in unknown state: " + *r.error);
}

TEST_P(ProberTest, T20UnsupportedProbeTypeErrorsWithoutEvent) {
  api::Container c = Tcp();
  ProbeTarget target =
      MakeProbeTarget(MakePodRef(testing::TestPod(c)), c, false, static_cast<ProbeType>(666));
  api::PodStatus status = testing::RunningStatus(t_.Now(), true);
  std::optional<ProberResult> got;
  t_.prober.Probe(target, status, testing::kContainerId,
                  [&](ProberResult r) { got = std::move(r); });
  t_.clock.RunUntilIdle();
  ASSERT_TRUE(got);
  ExpectResult(*got, CachedResult::kFailure, true, "type 666");
  EXPECT_EQ(*got->error, "unknown probe type: \"UNKNOWN\"");
  EXPECT_TRUE(t_.recorder.events.empty());
}

TEST_P(ProberTest, T21ExecArgumentsArePassedThrough) {
  Run(Exec({"/bin/bash", "-c", "some script"}));
  ASSERT_EQ(t_.exec.argvs.size(), 1u);
  EXPECT_EQ(t_.exec.argvs[0], (std::vector<std::string>{"/bin/bash", "-c", "some script"}));
  EXPECT_EQ(t_.exec.container_ids[0], testing::kContainerId);  // T23: the ID reaches the runner
}

TEST_P(ProberTest, T22ExecEnvExpansion) {
  api::Container c = Exec({"/bin/bash", "-c", "some $(A) $(B)"});
  c.env.push_back({"A", "script", std::nullopt});
  Run(c);
  ASSERT_EQ(t_.exec.argvs.size(), 1u);
  EXPECT_EQ(t_.exec.argvs[0], (std::vector<std::string>{"/bin/bash", "-c", "some script $(B)"}));
}

TEST_P(ProberTest, T24RecordContainerEventUsesTheProbeTypeString) {
  api::Container c = Tcp();
  auto pod = MakePodRef(testing::TestPod(c));
  RecordContainerEvent(t_.recorder, *pod, c.name, false, "Warning", "ContainerProbeWarning",
                       Type() + " probe warning: probe output");
  RecordContainerEvent(t_.recorder, *pod, c.name, false, "Warning", "ContainerProbeWarning",
                       "Unknown " + Type() + " probe status: " +
                           std::string(probe::ToString(probe::Result::kUnknown)));
  EXPECT_EQ(t_.recorder.Strings(),
            (std::vector<std::string>{
                "Warning ContainerProbeWarning " + Type() + " probe warning: probe output",
                "Warning ContainerProbeWarning Unknown " + Type() + " probe status: unknown"}));
}

TEST_P(ProberTest, EventsOfSection71) {
  t_.http.SetResult(probe::Result::kFailure, "HTTP probe failed with statuscode: 500");
  Run(Http());
  t_.http.SetResult(probe::Result::kWarning, "Probe terminated redirects");
  Run(Http());
  t_.http.SetResult(probe::Result::kSuccess);
  Run(Http());
  t_.http.SetResult(probe::Result::kUnknown);
  Run(Http());  // unknown without error: no event
  EXPECT_EQ(
      t_.recorder.Strings(),
      (std::vector<std::string>{
          "Warning Unhealthy " + Type() + " probe failed: HTTP probe failed with statuscode: 500",
          "Warning ProbeWarning " + Type() + " probe warning: Probe terminated redirects"}));
  const api::ObjectReference& ref = t_.recorder.events[0].object;
  EXPECT_EQ(ref.kind, "Pod");
  EXPECT_EQ(ref.name, testing::kPodName);
  EXPECT_EQ(ref.namespace_, testing::kPodNamespace);
  EXPECT_EQ(ref.uid, testing::kPodUid);
  EXPECT_EQ(ref.field_path, "spec.containers{cOnTaInEr_NaMe}");
  t_.tcp.SetResult(probe::Result::kFailure, "");
  Run(Tcp(), /*init=*/true);
  EXPECT_EQ(t_.recorder.events.back().object.field_path, "spec.initContainers{cOnTaInEr_NaMe}");
  EXPECT_EQ(t_.recorder.events.back().message, Type() + " probe failed: ");  // empty output kept
}

TEST_P(ProberTest, ErrorsAreRetriedBackToBackUpToThreeTimes) {
  // Two errors then a success: one probe, Success, no event.
  t_.tcp.script = {{probe::Result::kUnknown, "", "dial: boom"},
                   {probe::Result::kUnknown, "", "dial: boom"},
                   {probe::Result::kSuccess, "", std::nullopt}};
  base::MonoTime start = t_.clock.Now();
  ExpectResult(Run(Tcp()), CachedResult::kSuccess, false, "error, error, success");
  EXPECT_EQ(t_.tcp.calls, 3);
  for (auto at : t_.tcp.start_times) EXPECT_EQ(at, start);  // no delay between attempts
  EXPECT_TRUE(t_.recorder.events.empty());
  // Three errors: the last one is returned, with the errored event.
  t_.tcp.SetError("dial: refused");
  ProberResult r = Run(Tcp());
  ExpectResult(r, CachedResult::kFailure, true, "3 errors");
  EXPECT_EQ(t_.tcp.calls, 6);
  EXPECT_EQ(
      t_.recorder.Strings(),
      (std::vector<std::string>{"Warning Unhealthy " + Type() +
                                " probe errored and resulted in unknown state: dial: refused"}));
  // A failure is never retried.
  t_.tcp.SetResult(probe::Result::kFailure, "no");
  Run(Tcp());
  EXPECT_EQ(t_.tcp.calls, 7);
}

TEST_P(ProberTest, InputsReachTheHandlers) {
  Run(Http());
  ASSERT_EQ(t_.http.requests.size(), 1u);
  EXPECT_EQ(t_.http.requests[0].host, "10.0.0.7");  // the pod IP from the status
  EXPECT_EQ(t_.http.requests[0].port, 8080);
  EXPECT_EQ(t_.http.requests[0].path_and_query, "/healthz");
  EXPECT_EQ(t_.http.timeouts[0], std::chrono::seconds(1));
  api::Container c = Tcp(api::IntOrString::String("web"));
  c.ports.push_back({"web", 8443, "TCP"});
  Run(c);
  EXPECT_EQ(t_.tcp.targets.at(0), (std::pair<std::string, int>{"10.0.0.7", 8443}));
  Run(Grpc());
  EXPECT_EQ(t_.grpc.targets.at(0), (std::pair<std::string, std::string>{"10.0.0.7:9090", "svc"}));
}

TEST(ProberLifetimeTest, NoCallbackAfterTheProberIsGone) {
  TestEnv t;
  t.tcp.delay = std::chrono::seconds(1);
  auto prober = std::make_unique<Prober>(t.clock, ProbeHandlers{&t.http, &t.tcp, &t.grpc, &t.exec},
                                         t.recorder);
  api::Container c = testing::TestContainer(ProbeType::kReadiness, testing::TestProbe());
  ProbeTarget target =
      MakeProbeTarget(MakePodRef(testing::TestPod(c)), c, false, ProbeType::kReadiness);
  api::PodStatus status = testing::RunningStatus(t.Now(), true);
  bool called = false;
  prober->Probe(target, status, testing::kContainerId, [&](ProberResult) { called = true; });
  prober.reset();
  t.clock.RunUntilIdle();
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace probelet::prober
