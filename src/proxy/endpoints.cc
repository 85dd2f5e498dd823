#include "proxy/endpoints.h"

namespace probelet::proxy {

bool SelectorMatches(const std::map<std::string, std::string>& selector,
                     const std::map<std::string, std::string>& labels) {
  for (const auto& [key, value] : selector) {
    auto it = labels.find(key);
    if (it == labels.end() || it->second != value) return false;
  }
  return true;
}

bool IsPodReady(const api::Pod& pod) {
  for (const auto& c : pod.status.conditions) {
    if (c.type == "Ready") return c.status == "True";
  }
  return false;
}

std::optional<int32_t> ResolveTargetPort(const api::ServicePort& port, const api::Pod& pod) {
  if (!port.target_port.is_string()) return port.target_port.int_val;
  const std::string& name = port.target_port.str_val;
  auto find = [&](const api::Container& c) -> std::optional<int32_t> {
    for (const auto& p : c.ports) {
      std::string protocol = p.protocol.empty() ? "TCP" : p.protocol;
      if (p.name == name && protocol == port.protocol) return p.container_port;
    }
    return std::nullopt;
  };
  for (const auto& c : pod.spec.containers) {
    if (auto p = find(c)) return p;
  }
  // Sidecars (restartable init containers) serve too (FindPort since 1.29).
  for (const auto& c : pod.spec.init_containers) {
    if (c.restart_policy && *c.restart_policy == "Always") {
      if (auto p = find(c)) return p;
    }
  }
  return std::nullopt;
}

std::vector<ServiceEndpoint> ComputeEndpoints(const api::Service& service,
                                              const std::vector<const api::Pod*>& pods,
                                              const EndpointOptions& options) {
  std::vector<ServiceEndpoint> out;
  const api::ServiceSpec& spec = service.spec;
  if (spec.selector.empty()) return out;  // no selector: endpoints are not managed
  for (const api::Pod* pod : pods) {
    if (pod->metadata.namespace_ != service.metadata.namespace_) continue;
    if (!SelectorMatches(spec.selector, pod->metadata.labels)) continue;
    const std::string& phase = pod->status.phase;
    if (phase == "Succeeded" || phase == "Failed") continue;  // terminal pods
    std::string address = pod->status.pod_ip;
    if (address.empty() && !pod->status.pod_ips.empty()) address = pod->status.pod_ips[0].ip;
    if (address.empty()) continue;
    ServiceEndpoint e;
    e.pod_namespace = pod->metadata.namespace_;
    e.pod_name = pod->metadata.name;
    e.pod_uid = pod->metadata.uid;
    e.address = std::move(address);
    for (const auto& port : spec.ports) e.ports.push_back(ResolveTargetPort(port, *pod));
    e.pod_deleting = pod->metadata.deletion_timestamp.has_value();
    e.serving = IsPodReady(*pod);
    e.terminating = e.pod_deleting || options.node_terminating;
    // "ready" is never true for a terminating endpoint, unless publishNotReadyAddresses.
    e.ready = spec.publish_not_ready_addresses || (e.serving && !e.terminating);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace probelet::proxy
