#include "lint/grace_checks.h"

#include <string>

#include "lint/codes.h"

namespace probelet::lint {

std::vector<Finding> CheckProbeGrace(const ContainerContext& c) {
  std::vector<Finding> out;
  int64_t pod_grace = c.pod.spec.termination_grace_period_seconds.value_or(30);
  const auto& lifecycle = c.container.lifecycle;
  std::optional<int64_t> pre_stop_sleep;
  if (lifecycle && lifecycle->pre_stop && lifecycle->pre_stop->sleep) {
    pre_stop_sleep = lifecycle->pre_stop->sleep->seconds;
  }
  for (ProbeKind kind : {ProbeKind::kLiveness, ProbeKind::kStartup}) {
    const api::Probe* p = ProbeOf(c.container, kind);
    if (!p || !p->termination_grace_period_seconds) continue;
    int64_t grace = *p->termination_grace_period_seconds;
    std::string name = std::string(ProbeKindName(kind));
    if (grace > pod_grace) {
      out.push_back(
          MakeFinding(c, kProbeGraceOverPod, ProbePath(c, kind),
                      name + " probe terminationGracePeriodSeconds " + Seconds(grace) +
                          " is longer than the pod's " + Seconds(pod_grace) +
                          ": a container that fails the probe (often hung) keeps running up to " +
                          Seconds(grace) + " before SIGKILL, longer than a pod deletion allows"));
    }
    if (pre_stop_sleep && *pre_stop_sleep >= grace) {
      out.push_back(MakeFinding(
          c, kProbeGraceCutsPreStop, ProbePath(c, kind),
          "the preStop hook sleeps " + Seconds(*pre_stop_sleep) + " but a " + name +
              " kill gives the container only " + Seconds(grace) +
              " (the probe's terminationGracePeriodSeconds): the hook takes all of it and the "
              "process gets only the 2s minimum between SIGTERM and SIGKILL"));
    }
  }
  return out;
}

}  // namespace probelet::lint
