// Pods and Services for the endpoint tests, built in code (no manifests): a pod with labels,
// an IP, a Ready condition and named container ports; a Service selecting by labels.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/pod.h"
#include "api/service.h"

namespace probelet::proxy::testing {

inline api::Pod MakePod(std::string name, std::map<std::string, std::string> labels,
                        bool ready = true, std::string ip = "127.0.0.1") {
  api::Pod pod;
  pod.metadata.name = std::move(name);
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "uid-" + pod.metadata.name;
  pod.metadata.labels = std::move(labels);
  pod.status.phase = "Running";
  pod.status.pod_ip = std::move(ip);
  api::PodCondition c;
  c.type = "Ready";
  c.status = ready ? "True" : "False";
  pod.status.conditions.push_back(c);
  return pod;
}

inline void AddContainerPort(api::Pod& pod, std::string name, int32_t port) {
  if (pod.spec.containers.empty()) pod.spec.containers.emplace_back().name = "app";
  pod.spec.containers[0].ports.push_back({std::move(name), port, "TCP"});
}

inline api::Service MakeService(std::map<std::string, std::string> selector,
                                std::vector<api::ServicePort> ports) {
  api::Service s;
  s.api_version = "v1";
  s.kind = "Service";
  s.metadata.name = "web";
  s.metadata.namespace_ = "default";
  s.metadata.uid = "svc-uid";
  s.spec.selector = std::move(selector);
  s.spec.ports = std::move(ports);
  s.spec.type = "ClusterIP";
  s.spec.session_affinity = "None";
  return s;
}

inline api::ServicePort Port(std::string name, int32_t port, api::IntOrString target) {
  return {std::move(name), "TCP", port, std::move(target), 0};
}

inline std::vector<const api::Pod*> Ptrs(const std::vector<api::Pod>& pods) {
  std::vector<const api::Pod*> out;
  for (const auto& p : pods) out.push_back(&p);
  return out;
}

}  // namespace probelet::proxy::testing
