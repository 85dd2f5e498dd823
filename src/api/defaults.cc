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

// Requests default to limits, per resource, where a container sets a limit and no request
// (SetDefaults_Pod: "If limits are specified, but requests are not, default requests to limits").
void SetDefaultsResources(ResourceRequirements& r) {
  for (const auto& [name, limit] : r.limits) r.requests.try_emplace(name, limit);
}

void SetDefaultsContainer(Container& c) {
  if (c.image_pull_policy.empty()) c.image_pull_policy = DefaultImagePullPolicy(c.image);
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

std::string DefaultImagePullPolicy(std::string_view image) {
  // parsers.ParseImageName: a digest ("@sha256:...") pins the image; a tag is a ':' after the
  // last '/' (before it, a ':' is a registry's port); neither means ":latest".
  std::string_view name = image.substr(0, image.find('@'));
  bool has_digest = name.size() != image.size();
  size_t slash = name.rfind('/');
  size_t colon = name.rfind(':');
  bool has_tag =
      colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash);
  std::string_view tag = has_tag ? name.substr(colon + 1) : std::string_view();
  bool latest = has_tag ? tag == "latest" : !has_digest && !image.empty();
  return latest ? "Always" : "IfNotPresent";
}

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
  for (auto& c : spec.init_containers) SetDefaultsResources(c.resources);
  for (auto& c : spec.containers) SetDefaultsResources(c.resources);
  for (auto& v : spec.volumes) {
    if (v.host_path && !v.host_path->type) v.host_path->type = "";  // HostPathUnset
  }
}

}  // namespace probelet::api
