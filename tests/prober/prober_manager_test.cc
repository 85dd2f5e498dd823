// The prober manager (§2.3, §3.8, §6.6-§6.8): T25-T33 with §8.7's expected values, plus the
// same-container-ID Started rule (§6.6.1), the manual readiness trigger and the deletion hint.
#include "prober/prober_manager.h"

#include <gtest/gtest.h>

#include <chrono>

#include "prober/testing/fakes.h"
#include "prober/testing/test_env.h"

namespace probelet::prober {
namespace {

using std::chrono::seconds;
using testing::kPodUid;
using testing::TestProbe;

api::Container Probed(const std::string& name, std::initializer_list<ProbeType> types) {
  api::Container c;
  c.name = name;
  for (ProbeType t : types) {
    switch (t) {
      case ProbeType::kLiveness:
        c.liveness_probe = TestProbe();
        break;
      case ProbeType::kReadiness:
        c.readiness_probe = TestProbe();
        break;
      case ProbeType::kStartup:
        c.startup_probe = TestProbe();
        break;
    }
  }
  return c;
}

api::Pod MakePod(const std::string& uid, std::vector<api::Container> containers,
                 std::vector<api::Container> init = {}) {
  api::Pod pod;
  pod.metadata.uid = uid;
  pod.metadata.name = uid + "_name";
  pod.metadata.namespace_ = "ns";
  pod.spec.restart_policy = "Always";
  pod.spec.containers = std::move(containers);
  pod.spec.init_containers = std::move(init);
  return pod;
}

api::ContainerStatus Running(const std::string& name, const std::string& id) {
  api::ContainerStatus s;
  s.name = name;
  s.container_id = id;
  s.state.running = api::ContainerStateRunning{};
  return s;
}

api::ContainerStatus Terminated(const std::string& name, const std::string& id, int code) {
  api::ContainerStatus s;
  s.name = name;
  s.container_id = id;
  s.state.terminated = api::ContainerStateTerminated{};
  s.state.terminated->exit_code = code;
  return s;
}

class ProberManagerTest : public ::testing::Test {
 protected:
  ProberManagerTest() {
    // Past the first period: no start-up jitter, so timing is easy to read.
    clock_.Advance(std::chrono::hours(1));
  }
  size_t Count() const { return m_.worker_count(); }
  bool Has(const std::string& uid, const std::string& c, ProbeType t) const {
    return m_.GetWorker(uid, c, t) != nullptr;
  }

  base::VirtualClock clock_;
  testing::FakeStatusProvider status_;
  testing::FakeEventRecorder recorder_;
  testing::FakeHttpProber http_{clock_};
  testing::FakeTcpProber tcp_{clock_};
  testing::FakeGrpcProber grpc_{clock_};
  testing::FakeCommandRunner exec_{clock_};
  ProberMetrics metrics_;
  ProberManager m_{clock_, status_, {&http_, &tcp_, &grpc_, &exec_}, recorder_, metrics_};
};

TEST_F(ProberManagerTest, T25AddRemovePods) {
  api::Pod no_probes = MakePod("no_probe_pod", {Probed("no_probe1", {}), Probed("no_probe2", {})});
  m_.AddPod(no_probes);
  EXPECT_EQ(Count(), 0u);

  api::Pod probe_pod =
      MakePod("probe_pod", {Probed("no_probe1", {}), Probed("readiness", {ProbeType::kReadiness}),
                            Probed("no_probe2", {}), Probed("liveness", {ProbeType::kLiveness}),
                            Probed("no_probe3", {}), Probed("startup", {ProbeType::kStartup})});
  m_.AddPod(probe_pod);
  EXPECT_EQ(Count(), 3u);
  EXPECT_TRUE(Has("probe_pod", "readiness", ProbeType::kReadiness));
  EXPECT_TRUE(Has("probe_pod", "liveness", ProbeType::kLiveness));
  EXPECT_TRUE(Has("probe_pod", "startup", ProbeType::kStartup));

  m_.RemovePod(no_probes);
  EXPECT_EQ(Count(), 3u);
  m_.RemovePod(probe_pod);
  EXPECT_EQ(Count(), 0u);
  m_.RemovePod(probe_pod);
  EXPECT_EQ(Count(), 0u);
  clock_.Advance(seconds(5));  // nothing left to fire
  EXPECT_EQ(tcp_.calls, 0);
}

// The API's /probes reads the workers a page at a time: in key order (namespace, pod, container,
// type, then the pod's UID, so two pods of one name both come), filtered, after a given worker.
TEST_F(ProberManagerTest, ListWorkersInKeyOrderAPageAtATime) {
  for (const char* uid : {"b", "a", "c"}) {
    m_.AddPod(MakePod(uid, {Probed("web", {ProbeType::kReadiness, ProbeType::kLiveness}),
                            Probed("db", {ProbeType::kStartup})}));
  }
  api::Pod twin = MakePod("b2", {Probed("web", {ProbeType::kLiveness})});
  twin.metadata.name = "b_name";  // the same name as pod "b", another UID
  m_.AddPod(twin);
  auto keys = [](const std::vector<ProbeWorkerStatus>& list) {
    std::vector<std::string> out;
    for (const auto& w : list) {
      out.push_back(w.pod_name + "/" + w.container + "/" + std::string(ToString(w.type)) + "/" +
                    w.pod_uid);
    }
    return out;
  };
  std::vector<std::string> all = keys(m_.ListWorkers({}));
  ASSERT_EQ(all.size(), 10u);
  EXPECT_EQ(all[0], "a_name/db/Startup/a");
  EXPECT_EQ(all[1], "a_name/web/Liveness/a");
  EXPECT_EQ(all[2], "a_name/web/Readiness/a");
  EXPECT_EQ(all[4], "b_name/web/Liveness/b");
  EXPECT_EQ(all[5], "b_name/web/Liveness/b2");
  EXPECT_EQ(all[9], "c_name/web/Readiness/c");

  ProbeWorkerQuery q;
  q.limit = 3;
  std::vector<std::string> paged;
  for (;;) {
    std::vector<ProbeWorkerStatus> page = m_.ListWorkers(q);
    ASSERT_LE(page.size(), 3u);
    for (auto& k : keys(page)) paged.push_back(k);
    if (page.size() < q.limit) break;
    q.after = std::move(page.back());
  }
  EXPECT_EQ(paged, all);

  q = {};
  q.type = ProbeType::kLiveness;
  q.limit = 2;
  EXPECT_EQ(keys(m_.ListWorkers(q)),
            (std::vector<std::string>{"a_name/web/Liveness/a", "b_name/web/Liveness/b"}));
  q.after = m_.ListWorkers(q).back();
  EXPECT_EQ(keys(m_.ListWorkers(q)),
            (std::vector<std::string>{"b_name/web/Liveness/b2", "c_name/web/Liveness/c"}));
}

TEST_F(ProberManagerTest, T26RestartableInitContainerGetsWorkers) {
  api::Container init =
      Probed("init", {ProbeType::kLiveness, ProbeType::kReadiness, ProbeType::kStartup});
  init.restart_policy = "Always";
  api::Pod sidecar_pod = MakePod("sidecar_pod", {}, {init});
  m_.AddPod(sidecar_pod);
  EXPECT_EQ(Count(), 3u);
  m_.RemovePod(sidecar_pod);
  EXPECT_EQ(Count(), 0u);

  init.restart_policy.reset();
  m_.AddPod(MakePod("init_pod", {}, {init}));
  EXPECT_EQ(Count(), 0u);
}

TEST_F(ProberManagerTest, T27CleanupPods) {
  auto three = [] {
    return std::vector<api::Container>{Probed("prober1", {ProbeType::kReadiness}),
                                       Probed("prober2", {ProbeType::kLiveness}),
                                       Probed("prober3", {ProbeType::kStartup})};
  };
  m_.AddPod(MakePod("pod_cleanup", three()));
  m_.AddPod(MakePod("pod_keep", three()));
  EXPECT_EQ(Count(), 6u);
  m_.CleanupPods({"pod_keep"});
  EXPECT_EQ(Count(), 3u);
  EXPECT_TRUE(Has("pod_keep", "prober1", ProbeType::kReadiness));
  EXPECT_TRUE(Has("pod_keep", "prober2", ProbeType::kLiveness));
  EXPECT_TRUE(Has("pod_keep", "prober3", ProbeType::kStartup));
}

TEST_F(ProberManagerTest, T28CleanupRepeated) {
  for (int i = 0; i < 100; ++i) {
    m_.AddPod(
        MakePod("pod" + std::to_string(i),
                {Probed("c", {ProbeType::kLiveness, ProbeType::kReadiness, ProbeType::kStartup})}));
  }
  EXPECT_EQ(Count(), 300u);
  for (int i = 0; i < 10; ++i) m_.CleanupPods({});
  EXPECT_EQ(Count(), 0u);
  clock_.Advance(seconds(5));
  EXPECT_EQ(clock_.pending(), 0u);
}

TEST_F(ProberManagerTest, T29UpdatePodStatus) {
  api::Pod pod = MakePod(
      kPodUid,
      {Probed("unprobed", {ProbeType::kLiveness}), Probed("probed_ready", {ProbeType::kReadiness}),
       Probed("probed_pending", {ProbeType::kReadiness}),
       Probed("probed_unready", {ProbeType::kReadiness}),
       Probed("not_started", {ProbeType::kStartup}), Probed("started", {ProbeType::kStartup}),
       Probed("terminated", {ProbeType::kReadiness})});
  m_.AddPod(pod);  // workers exist; the clock does not move, so none has run
  m_.readiness_results().Set("test://probed_ready", CachedResult::kSuccess, pod);
  m_.readiness_results().Set("test://probed_unready", CachedResult::kFailure, pod);
  m_.startup_results().Set("test://started", CachedResult::kSuccess, pod);
  m_.readiness_results().Set("test://terminated", CachedResult::kSuccess, pod);
  api::PodStatus s;
  s.phase = api::kPodRunning;
  for (const char* name :
       {"unprobed", "probed_ready", "probed_pending", "probed_unready", "not_started", "started"}) {
    s.container_statuses.push_back(Running(name, std::string("test://") + name));
  }
  s.container_statuses.push_back(Terminated("terminated", "test://terminated", 0));
  m_.UpdatePodStatus(pod, s);
  const std::pair<const char*, bool> expected[] = {
      {"unprobed", true},        {"probed_ready", true}, {"probed_pending", false},
      {"probed_unready", false}, {"not_started", false}, {"started", true},
      {"terminated", false}};
  for (size_t i = 0; i < std::size(expected); ++i) {
    EXPECT_EQ(s.container_statuses[i].name, expected[i].first);
    EXPECT_EQ(s.container_statuses[i].ready, expected[i].second) << expected[i].first;
  }
  EXPECT_EQ(s.container_statuses[4].started, false);  // not_started
  EXPECT_EQ(s.container_statuses[5].started, true);   // started
  EXPECT_EQ(s.container_statuses[6].started, false);  // terminated
}

TEST_F(ProberManagerTest, T30UpdatePodStatusWithInitContainers) {
  for (bool sidecar : {false, true}) {
    SCOPED_TRACE(sidecar ? "sidecar" : "regular init");
    std::string uid = sidecar ? "sidecar_pod" : "init_pod";
    std::vector<api::Container> init = {Probed("not_started", {ProbeType::kStartup}),
                                        Probed("started", {ProbeType::kStartup}),
                                        Probed("terminated", {ProbeType::kStartup})};
    if (sidecar) {
      for (auto& c : init) c.restart_policy = "Always";
    }
    api::Pod pod = MakePod(uid, {}, init);
    m_.AddPod(pod);
    m_.startup_results().Set("test://started", CachedResult::kSuccess, pod);
    api::PodStatus s;
    s.phase = api::kPodRunning;
    s.init_container_statuses = {Running("not_started", "test://not_started"),
                                 Running("started", "test://started"),
                                 Terminated("terminated", "test://terminated", 0)};
    m_.UpdatePodStatus(pod, s);
    const auto& st = s.init_container_statuses;
    // Row 1 needs a startup worker; the manager makes workers for sidecars only (so does the
    // kubelet's AddPod; its test plants one by hand), so a regular init container without one
    // counts as started.
    EXPECT_EQ(st[0].started, !sidecar);
    EXPECT_EQ(st[1].started, true);
    EXPECT_EQ(st[2].started, false);
    EXPECT_EQ(st[0].ready, false);
    EXPECT_EQ(st[1].ready, sidecar);
    EXPECT_EQ(st[2].ready, !sidecar);
  }
}

TEST_F(ProberManagerTest, T31UpdateReadinessThroughTheResultsUpdates) {
  api::Pod pod = MakePod(kPodUid, {Probed("c", {ProbeType::kReadiness})});
  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.container_statuses = {Running("c", "test://c")};
  s.container_statuses[0].started = true;
  status_.Set(kPodUid, s);
  // The kubelet's SetContainerReadiness, in small.
  m_.readiness_results().SetUpdateHandler([&](const ResultUpdate& u) {
    auto* st = status_.Mutable(u.pod_uid);
    for (auto& c : st->container_statuses) {
      if (c.container_id == u.container_id) c.ready = u.result == CachedResult::kSuccess;
    }
  });
  m_.AddPod(pod);
  clock_.Advance(seconds(2));
  EXPECT_TRUE(status_.GetPodStatus(kPodUid)->container_statuses[0].ready);
  tcp_.SetResult(probe::Result::kFailure, "nope");
  clock_.Advance(seconds(2));
  EXPECT_FALSE(status_.GetPodStatus(kPodUid)->container_statuses[0].ready);
}

TEST_F(ProberManagerTest, T32AddPodContinuesAfterExistingWorker) {
  api::Pod pod = MakePod(kPodUid, {Probed("c1", {ProbeType::kReadiness, ProbeType::kLiveness}),
                                   Probed("c2", {ProbeType::kReadiness})});
  m_.AddPod(pod);
  ASSERT_EQ(Count(), 3u);
  Worker* kept = m_.GetWorker(kPodUid, "c1", ProbeType::kReadiness);
  m_.GetWorker(kPodUid, "c2", ProbeType::kReadiness)->Stop();
  ASSERT_EQ(Count(), 2u);
  m_.AddPod(pod);
  EXPECT_EQ(Count(), 3u);
  EXPECT_TRUE(Has(kPodUid, "c2", ProbeType::kReadiness));
  EXPECT_EQ(m_.GetWorker(kPodUid, "c1", ProbeType::kReadiness), kept);  // not re-created
}

TEST_F(ProberManagerTest, T33AddPodDynamicContainers) {
  api::Pod pod = MakePod(kPodUid, {Probed("container1", {ProbeType::kReadiness})});
  m_.AddPod(pod);
  EXPECT_EQ(Count(), 1u);
  pod.spec.containers.push_back(Probed("container2", {ProbeType::kReadiness}));
  m_.AddPod(pod);
  EXPECT_EQ(Count(), 2u);
  EXPECT_TRUE(Has(kPodUid, "container2", ProbeType::kReadiness));
  pod.spec.containers.erase(pod.spec.containers.begin());
  m_.AddPod(pod);
  EXPECT_EQ(Count(), 1u);
  EXPECT_FALSE(Has(kPodUid, "container1", ProbeType::kReadiness));
  EXPECT_TRUE(Has(kPodUid, "container2", ProbeType::kReadiness));
}

TEST_F(ProberManagerTest, T14CleanUpThroughTheManager) {
  for (ProbeType type : kAllProbeTypes) {
    SCOPED_TRACE(std::string(ToString(type)));
    api::Pod pod = MakePod(kPodUid, {Probed("c", {type})});
    api::PodStatus s;
    s.phase = api::kPodRunning;
    s.container_statuses = {Running("c", "test://c")};
    s.container_statuses[0].started = type != ProbeType::kStartup;
    status_.Set(kPodUid, s);
    m_.AddPod(pod);
    clock_.Advance(seconds(2));
    ASSERT_EQ(m_.results(type).Get("test://c"), CachedResult::kSuccess);
    for (int i = 0; i < 10; ++i) m_.RemovePod(pod);  // harmless repeats
    EXPECT_EQ(Count(), 0u);                          // left the map
    EXPECT_EQ(m_.results(type).Get("test://c"), std::nullopt);
    EXPECT_EQ(metrics_.ProbeTotal({type, "c", pod.metadata.name, "ns", kPodUid}, "successful"), -1);
  }
}

TEST_F(ProberManagerTest, StopLivenessAndStartupLeavesReadinessAndSidecars) {
  api::Container sidecar = Probed("side", {ProbeType::kLiveness, ProbeType::kStartup});
  sidecar.restart_policy = "Always";
  api::Pod pod = MakePod(
      kPodUid, {Probed("c", {ProbeType::kLiveness, ProbeType::kReadiness, ProbeType::kStartup})},
      {sidecar});
  m_.AddPod(pod);
  ASSERT_EQ(Count(), 5u);
  m_.StopLivenessAndStartup(pod);
  EXPECT_EQ(Count(), 3u);
  EXPECT_TRUE(Has(kPodUid, "c", ProbeType::kReadiness));
  EXPECT_TRUE(Has(kPodUid, "side", ProbeType::kLiveness));
  EXPECT_TRUE(Has(kPodUid, "side", ProbeType::kStartup));
  m_.RemovePod(pod);
  EXPECT_EQ(Count(), 0u);
}

TEST_F(ProberManagerTest, StartedCarriesOverOnlyForTheSameContainerId) {
  // §6.6.1 with PR #141342: a replacement container must pass its own startup probe.
  api::Pod pod = MakePod(kPodUid, {Probed("c", {ProbeType::kStartup})});
  m_.AddPod(pod);
  api::PodStatus previous;
  previous.phase = api::kPodRunning;
  previous.container_statuses = {Running("c", "test://first")};
  previous.container_statuses[0].started = true;
  status_.Set(kPodUid, previous);

  api::PodStatus same = previous;
  same.container_statuses[0].started.reset();
  m_.UpdatePodStatus(pod, same);
  EXPECT_EQ(same.container_statuses[0].started, true);

  api::PodStatus replaced = previous;
  replaced.container_statuses[0].container_id = "test://second";
  replaced.container_statuses[0].started = true;  // a naive carry-over by the caller
  m_.UpdatePodStatus(pod, replaced);
  EXPECT_EQ(replaced.container_statuses[0].started, false);  // its startup worker decides
}

// §3.5 and §6.11: a container found running that started more than 10 s before the manager
// (it outlived a probelet restart) gets no initial value, and keeps Ready as the pod's last
// status had it until a real readiness result arrives.
TEST_F(ProberManagerTest, AContainerThatOutlivedARestartKeepsItsReadyUntilAResult) {
  const api::Time manager_start = clock_.WallNow() - std::chrono::hours(1);
  api::Pod pod = MakePod(kPodUid, {Probed("c", {ProbeType::kReadiness})});
  pod.spec.containers[0].readiness_probe->period_seconds = 100;
  api::PodStatus last;  // the checkpointed status: Ready
  last.phase = api::kPodRunning;
  last.container_statuses = {Running("c", "test://c")};
  last.container_statuses[0].state.running->started_at = manager_start - seconds(11);
  last.container_statuses[0].started = true;
  last.container_statuses[0].ready = true;
  api::PodCondition ready;
  ready.type = "Ready";
  ready.status = "True";
  last.conditions = {ready};
  status_.Set(kPodUid, last);
  tcp_.SetResult(probe::Result::kSuccess);
  tcp_.delay = seconds(5);  // the first probe takes a while: Ready must hold meanwhile
  m_.AddPod(pod);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE(m_.readiness_results().Get("test://c").has_value()) << "no initial value";
  api::PodStatus gen = last;
  gen.container_statuses[0].ready = false;  // as a fresh status generation has it
  m_.UpdatePodStatus(pod, gen);
  EXPECT_TRUE(gen.container_statuses[0].ready);

  // The same container, but the last status was not Ready: not ready until a result.
  api::PodStatus not_ready = last;
  ready.status = "False";
  not_ready.conditions = {ready};
  status_.Set(kPodUid, not_ready);
  gen = not_ready;
  gen.container_statuses[0].ready = false;
  m_.UpdatePodStatus(pod, gen);
  EXPECT_FALSE(gen.container_statuses[0].ready);

  // Started 9 s before the manager: an ordinary new container (initial value Failure).
  api::Pod young = MakePod("young", {Probed("c", {ProbeType::kReadiness})});
  api::PodStatus y = last;
  y.container_statuses[0].container_id = "test://young";
  y.container_statuses[0].state.running->started_at = manager_start - seconds(9);
  status_.Set("young", y);
  m_.AddPod(young);
  clock_.Advance(std::chrono::milliseconds(1));
  EXPECT_EQ(m_.readiness_results().Get("test://young"), CachedResult::kFailure);
}

TEST_F(ProberManagerTest, UpdatePodStatusTriggersTheReadinessWorker) {
  api::Pod pod = MakePod(kPodUid, {Probed("c", {ProbeType::kReadiness})});
  pod.spec.containers[0].readiness_probe->period_seconds = 100;
  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.container_statuses = {Running("c", "test://c")};
  s.container_statuses[0].started = true;
  status_.Set(kPodUid, s);
  tcp_.SetResult(probe::Result::kFailure);
  m_.AddPod(pod);
  clock_.Advance(seconds(1));
  ASSERT_EQ(tcp_.calls, 1);
  api::PodStatus gen = s;
  m_.UpdatePodStatus(pod, gen);  // not ready: triggers
  EXPECT_FALSE(gen.container_statuses[0].ready);
  EXPECT_EQ(tcp_.calls, 1);  // not inside UpdatePodStatus
  clock_.Advance(seconds(1));
  EXPECT_EQ(tcp_.calls, 2);
  // Ready: no trigger.
  tcp_.SetResult(probe::Result::kSuccess);
  m_.UpdatePodStatus(pod, gen);
  clock_.Advance(seconds(1));
  ASSERT_EQ(tcp_.calls, 3);
  gen = s;
  m_.UpdatePodStatus(pod, gen);
  EXPECT_TRUE(gen.container_statuses[0].ready);
  clock_.Advance(seconds(50));
  EXPECT_EQ(tcp_.calls, 3);
}

TEST_F(ProberManagerTest, DeletionTimestampReachesExistingLivenessWorkers) {
  api::Pod pod = MakePod(kPodUid, {Probed("c", {ProbeType::kLiveness, ProbeType::kReadiness})});
  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.container_statuses = {Running("c", "test://c")};
  s.container_statuses[0].started = true;
  status_.Set(kPodUid, s);
  m_.AddPod(pod);
  clock_.Advance(seconds(2));
  ASSERT_EQ(Count(), 2u);
  pod.metadata.deletion_timestamp = clock_.WallNow();
  m_.AddPod(pod);
  clock_.Advance(seconds(2));
  EXPECT_FALSE(Has(kPodUid, "c", ProbeType::kLiveness));  // quiet shutdown
  EXPECT_TRUE(Has(kPodUid, "c", ProbeType::kReadiness));  // readiness probes on
}

TEST_F(ProberManagerTest, DestroyingTheManagerWithProbesInFlightIsSafe) {
  auto m = std::make_unique<ProberManager>(
      clock_, status_, ProbeHandlers{&http_, &tcp_, &grpc_, &exec_}, recorder_, metrics_);
  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.container_statuses = {Running("c", "test://c")};
  s.container_statuses[0].started = true;
  status_.Set(kPodUid, s);
  tcp_.delay = seconds(5);
  m->AddPod(MakePod(kPodUid, {Probed("c", {ProbeType::kReadiness})}));
  clock_.Advance(seconds(2));
  ASSERT_EQ(tcp_.in_flight, 1);
  m.reset();
  clock_.Advance(seconds(10));  // the probe completes into nothing
  EXPECT_EQ(tcp_.in_flight, 0);
}

}  // namespace
}  // namespace probelet::prober
