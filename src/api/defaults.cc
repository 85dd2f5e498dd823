#include "api/defaults.h"

namespace probelet::api {
namespace {

void SetDefaultsHTTPGet(HTTPGetAction& a) {
  if (a.path.empty()) a.path = "/";
  if (a.scheme.empty()) a.scheme = "HTTP";
}

void SetDefaultsLifecycleHandler(std::optional<LifecycleHandler>& h) {
  if (h && h->http_get) SetDefaultsHTTPGet(*h->http_get);
}

void SetDefaultsContainer(Container& c) {
  for (auto& p : c.ports) {
    if (p.protocol.empty()) p.protocol = "TCP";
  }
  for (auto& e : c.env) {
    if (e.value_from && e.value_from->field_ref && e.value_from->field_ref->api_version.empty()) {
      e.value_from->field_ref->api_version = "v1";
    }
  }
  for (auto* probe : {&c.liveness_probe, &c.readiness_probe, &c.startup_probe}) {
    if (*probe) SetDefaultsProbe(**probe);
  }
  if (c.lifecycle) {
    SetDefaultsLifecycleHandler(c.lifecycle->post_start);
    SetDefaultsLifecycleHandler(c.lifecycle->pre_stop);
  }
}

}  // namespace

void SetDefaultsProbe(Probe& p) {
  if (p.timeout_seconds == 0) p.timeout_seconds = 1;
  if (p.period_seconds == 0) p.period_seconds = 10;
  if (p.success_threshold == 0) p.success_threshold = 1;
  if (p.failure_threshold == 0) p.failure_threshold = 3;
  if (p.handler.http_get) SetDefaultsHTTPGet(*p.handler.http_get);
}

void SetDefaults(Pod& pod, UidGenerator& uids) {
  if (pod.metadata.namespace_.empty()) pod.metadata.namespace_ = "default";
  if (pod.metadata.uid.empty()) pod.metadata.uid = uids.NewUid();
  PodSpec& spec = pod.spec;
  if (spec.restart_policy.empty()) spec.restart_policy = "Always";
  if (!spec.termination_grace_period_seconds) {
    spec.termination_grace_period_seconds = kDefaultTerminationGracePeriodSeconds;
  }
  for (auto& c : spec.init_containers) SetDefaultsContainer(c);
  for (auto& c : spec.containers) SetDefaultsContainer(c);
}

}  // namespace probelet::api
