#include "sim/simulation.h"

#include <map>

#include "base/virtual_clock.h"
#include "kubelet/kubelet.h"
#include "kubelet/status_generation.h"
#include "kubelet/status_manager.h"
#include "prober/prober_manager.h"
#include "prober/prober_metrics.h"
#include "sim/scripted_probers.h"
#include "sim/scripted_runtime.h"

namespace probelet::sim {
namespace {

std::string PodKey(const api::Pod& pod) {
  return pod.metadata.namespace_ + "/" + pod.metadata.name;
}

// "spec.containers{web}" -> "web".
std::string ContainerOf(const std::string& field_path) {
  auto open = field_path.find('{');
  auto close = field_path.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return "";
  return field_path.substr(open + 1, close - open - 1);
}

// The events into the timeline, with the pods' namespace/name.
class TimelineRecorder : public api::EventRecorder {
 public:
  TimelineRecorder(base::Clock& clock, base::MonoTime start, SimulationResult& result, bool keep)
      : clock_(clock), start_(start), result_(result), keep_(keep) {}
  void Record(const api::ObjectReference& object, std::string_view type, std::string_view reason,
              std::string message) override {
    ++result_.events;
    if (!keep_) return;
    result_.timeline.push_back({clock_.Now() - start_, object.namespace_ + "/" + object.name,
                                ContainerOf(object.field_path), std::string(type),
                                std::string(reason), std::move(message)});
  }

 private:
  base::Clock& clock_;
  base::MonoTime start_;
  SimulationResult& result_;
  bool keep_;
};

// Ready=True spans of one pod.
struct ReadyTrack {
  bool ready = false;
  base::MonoTime since{};
  std::optional<base::Duration> first_ready;
  base::Duration ready_total{};
  base::Duration longest_not_ready{};

  void Set(bool now_ready, base::MonoTime at, base::MonoTime start) {
    if (now_ready == ready) return;
    if (ready) {
      ready_total += at - since;
    } else {
      longest_not_ready = std::max(longest_not_ready, at - since);
      if (!first_ready) first_ready = at - start;
    }
    ready = now_ready;
    since = at;
  }
};

base::Status CheckScenarioNames(const std::vector<api::Pod>& pods, const Scenario& scenario) {
  for (const auto& [key, behaviour] : scenario.containers) {
    auto slash = key.find('/');
    std::string pod_name = slash == std::string::npos ? "" : key.substr(0, slash);
    std::string container = slash == std::string::npos ? key : key.substr(slash + 1);
    bool found = false;
    for (const auto& p : pods) {
      if (!pod_name.empty() && p.metadata.name != pod_name) continue;
      for (const auto* list : {&p.spec.init_containers, &p.spec.containers}) {
        for (const auto& c : *list) found = found || c.name == container;
      }
    }
    if (!found) {
      return base::Error{"scenario: containers." + key + ": no container \"" + container + "\"" +
                         (pod_name.empty() ? "" : " in pod \"" + pod_name + "\"") +
                         " in the manifest"};
    }
  }
  return base::Status::Ok();
}

ContainerSummary SummarizeContainer(const api::ContainerStatus& s) {
  ContainerSummary c;
  c.name = s.name;
  c.restarts = s.restart_count;
  c.ready = s.ready;
  if (s.state.running) {
    c.state = "running";
  } else if (s.state.terminated) {
    c.state = "terminated";
    c.reason = s.state.terminated->reason;
  } else {
    c.state = "waiting";
    if (s.state.waiting) c.reason = s.state.waiting->reason;
  }
  return c;
}

}  // namespace

base::Expected<SimulationResult> Simulate(const std::vector<api::Pod>& pods,
                                          const Scenario& scenario,
                                          const SimulationOptions& options) {
  if (base::Status st = CheckScenarioNames(pods, scenario); !st.ok()) return st.error();
  SimulationResult result;
  result.duration = options.duration;

  // The engine, in the order the Agent builds it (and destroyed in reverse).
  base::VirtualClock clock;
  const base::MonoTime start = clock.Now();
  ScriptedRuntime runtime(clock, scenario);
  ScriptedProbers probes(clock, runtime);
  kubelet::StatusManager status(clock);
  TimelineRecorder recorder(clock, start, result, options.record_timeline);
  prober::ProberMetrics metrics;
  prober::ProberManager probers(clock, status,
                                {&probes.http(), &probes.tcp(), &probes.grpc(), &probes.exec()},
                                recorder, metrics, options.seed);
  kubelet::PodWorkerEnv env;
  env.clock = &clock;
  env.runtime = &runtime;
  env.probers = &probers;
  env.status = &status;
  env.recorder = &recorder;
  env.http = &probes.hooks();
  env.pods_log_dir = "/nonexistent/probelet-simulate/pods";  // never written: no real runtime

  std::map<std::string, ReadyTrack> ready;  // by pod UID
  status.SetObserver([&](const api::Pod& pod, const api::PodStatus& old,
                         const api::PodStatus& now) {
    const api::PodCondition* before = kubelet::FindCondition(old.conditions, "Ready");
    const api::PodCondition* after = kubelet::FindCondition(now.conditions, "Ready");
    if (after == nullptr || (before != nullptr && before->status == after->status)) return;
    ready[pod.metadata.uid].Set(after->status == "True", clock.Now(), start);
    if (!options.record_timeline) return;
    std::string message = "pod Ready=" + after->status;
    if (!after->reason.empty()) message += " (" + after->reason + ": " + after->message + ")";
    result.timeline.push_back({clock.Now() - start, PodKey(pod), "", "Normal", "Ready", message});
  });

  kubelet::Kubelet kubelet(env);
  for (const api::Pod& pod : pods) {
    auto prepared = probes.Prepare(pod);
    if (!prepared.ok()) return prepared.error();
    ready[pod.metadata.uid].since = start;
    kubelet.AddPod(*prepared);
  }
  clock.AdvanceTo(start + options.duration);
  const base::MonoTime end = clock.Now();

  for (const api::Pod& pod : pods) {
    PodSummary s;
    s.pod = PodKey(pod);
    ReadyTrack& t = ready[pod.metadata.uid];
    base::Duration ready_total = t.ready_total + (t.ready ? end - t.since : base::Duration{});
    base::Duration longest =
        std::max(t.longest_not_ready, t.ready ? base::Duration{} : end - t.since);
    s.first_ready = t.first_ready;
    s.longest_not_ready = longest;
    s.ready_fraction = options.duration.count() > 0
                           ? static_cast<double>(ready_total.count()) /
                                 static_cast<double>(options.duration.count())
                           : 0;
    if (const api::PodStatus* ps = status.GetPodStatus(pod.metadata.uid)) {
      s.phase = ps->phase;
      for (const auto* list : {&ps->init_container_statuses, &ps->container_statuses}) {
        for (const auto& cs : *list) {
          ContainerSummary c = SummarizeContainer(cs);
          s.restarts += c.restarts;
          s.crash_loop = s.crash_loop || c.reason == "CrashLoopBackOff";
          s.containers.push_back(std::move(c));
        }
      }
    }
    result.pods.push_back(std::move(s));
  }
  // Stop the observer before the engine goes: its destruction must not reach `ready`.
  status.SetObserver(nullptr);
  return result;
}

}  // namespace probelet::sim
