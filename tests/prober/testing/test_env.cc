#include "prober/testing/test_env.h"

namespace probelet::prober::testing {

api::Probe TestProbe() {
  api::Probe p;
  p.handler.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(8080), ""};
  p.timeout_seconds = 1;
  p.period_seconds = 1;
  p.success_threshold = 1;
  p.failure_threshold = 1;
  return p;
}

api::Container TestContainer(ProbeType type, const api::Probe& probe) {
  api::Container c;
  c.name = kContainerName;
  switch (type) {
    case ProbeType::kLiveness:
      c.liveness_probe = probe;
      break;
    case ProbeType::kReadiness:
      c.readiness_probe = probe;
      break;
    case ProbeType::kStartup:
      c.startup_probe = probe;
      break;
  }
  return c;
}

api::Pod TestPod(const api::Container& container) {
  api::Pod pod;
  pod.metadata.uid = kPodUid;
  pod.metadata.name = kPodName;
  pod.metadata.namespace_ = kPodNamespace;
  pod.spec.restart_policy = "Never";
  pod.spec.containers.push_back(container);
  return pod;
}

api::PodStatus RunningStatus(api::Time started_at, std::optional<bool> started) {
  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.pod_ip = "10.0.0.7";
  api::ContainerStatus c;
  c.name = kContainerName;
  c.container_id = kContainerId;
  c.state.running = api::ContainerStateRunning{started_at};
  c.started = started;
  s.container_statuses.push_back(c);
  return s;
}

TestEnv::TestEnv() {
  env.clock = &clock;
  env.status = &status;
  env.prober = &prober;
  env.metrics = &metrics;
  env.results[static_cast<int>(ProbeType::kLiveness)] = &liveness;
  env.results[static_cast<int>(ProbeType::kReadiness)] = &readiness;
  env.results[static_cast<int>(ProbeType::kStartup)] = &startup;
  env.manager_start = clock.Now();
  env.on_exit = [this](Worker&) { ++exits; };
}

TestEnv::~TestEnv() = default;

std::unique_ptr<Worker> TestEnv::NewWorker(ProbeType type, const api::Probe& probe) {
  return NewWorker(TestPod(TestContainer(type, probe)), type);
}

std::unique_ptr<Worker> TestEnv::NewWorker(const api::Pod& pod, ProbeType type) {
  return std::make_unique<Worker>(
      env, MakeProbeTarget(MakePodRef(pod), pod.spec.containers.at(0), false, type));
}

}  // namespace probelet::prober::testing
