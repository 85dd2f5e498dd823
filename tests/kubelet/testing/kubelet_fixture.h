// A Kubelet on virtual time with a FakeRuntime and the real ProberManager (exec probes go
// through RuntimeCommandRunner to the fake runtime's ExecSync), for pod worker tests.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/virtual_clock.h"
#include "kubelet/event_store.h"
#include "kubelet/kubelet.h"
#include "kubelet/runtime_command_runner.h"
#include "kubelet/status_generation.h"
#include "kubelet/status_manager.h"
#include "kubelet/testing/fake_runtime.h"
#include "prober/prober_manager.h"
#include "prober/prober_metrics.h"

namespace probelet::kubelet::testing {

inline api::Probe ExecProbe(std::string command, int period = 1, int failure_threshold = 3) {
  api::Probe p;
  p.handler.exec = api::ExecAction{{std::move(command)}};
  p.timeout_seconds = 1;
  p.period_seconds = period;
  p.success_threshold = 1;
  p.failure_threshold = failure_threshold;
  return p;
}

inline api::Container MakeContainer(std::string name) {
  api::Container c;
  c.name = std::move(name);
  c.image = "local";
  c.command = {"/bin/" + c.name};
  return c;
}

inline api::Pod MakePod(std::vector<api::Container> containers, std::string policy = "Always") {
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "uid-1";
  pod.spec.containers = std::move(containers);
  pod.spec.restart_policy = std::move(policy);
  pod.spec.termination_grace_period_seconds = 30;
  return pod;
}

class KubeletFixture : public ::testing::Test {
 protected:
  KubeletFixture() { kubelet_ = std::make_unique<Kubelet>(Env()); }

  // The pod workers' environment over the fixture's parts (a test adds to it and makes its own
  // Kubelet, e.g. with an image manager).
  PodWorkerEnv Env() {
    PodWorkerEnv env;
    env.clock = &clock_;
    env.runtime = &runtime_;
    env.probers = &probers_;
    env.status = &status_;
    env.recorder = &events_;
    env.pods_log_dir = "/tmp/probelet-test/pods";
    return env;
  }

  // Runs every callback due now (zero-delay chains), without moving time.
  void Settle() { clock_.Advance(base::Duration::zero()); }
  void Run(base::Duration d) { clock_.Advance(d); }

  const api::PodStatus& Status(const std::string& uid = "uid-1") {
    const api::PodStatus* s = status_.GetPodStatus(uid);
    EXPECT_NE(s, nullptr);
    static const api::PodStatus kEmpty;
    return s ? *s : kEmpty;
  }
  const api::ContainerStatus& CStatus(size_t i = 0) { return Status().container_statuses.at(i); }
  std::string Condition(std::string_view type) {
    const api::PodCondition* c = FindCondition(Status().conditions, type);
    return c ? c->status : "";
  }
  // Messages of the events with `reason`, in order.
  std::vector<std::string> Events(std::string_view reason) {
    std::vector<std::string> out;
    for (const auto& e : events_.List()) {
      if (e.reason == reason) out.push_back(e.message);
    }
    return out;
  }
  int EventCount(std::string_view reason, std::string_view message) {
    for (const auto& e : events_.List()) {
      if (e.reason == reason && e.message == message) return e.count;
    }
    return 0;
  }

  base::VirtualClock clock_;
  FakeRuntime runtime_{clock_};
  StatusManager status_{clock_};
  EventStore events_{clock_};
  RuntimeCommandRunner exec_{runtime_};
  prober::ProberMetrics metrics_;
  prober::ProberManager probers_{
      clock_, status_, {nullptr, nullptr, nullptr, &exec_}, events_, metrics_};
  std::unique_ptr<Kubelet> kubelet_;
};

}  // namespace probelet::kubelet::testing
