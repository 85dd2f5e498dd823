#include "lint/service_checks.h"

#include <string>

#include "lint/codes.h"

namespace probelet::lint {
namespace {

bool Declares(const api::Container& c, const api::IntOrString& port) {
  for (const auto& p : c.ports) {
    if (port.is_string() ? p.name == port.str_val : p.container_port == port.int_val) return true;
  }
  return false;
}

bool AnyDeclares(const api::Pod& pod, const api::IntOrString& port) {
  for (const auto* list : {&pod.spec.containers, &pod.spec.init_containers}) {
    for (const auto& c : *list) {
      if (Declares(c, port)) return true;
    }
  }
  return false;
}

api::IntOrString TargetPort(const api::ServicePort& port) {
  const api::IntOrString& t = port.target_port;
  if (!t.is_string() && t.int_val == 0) return api::IntOrString::Int(port.port);
  return t;
}

std::string PortText(const api::IntOrString& port) {
  return port.is_string() ? "\"" + port.str_val + "\"" : std::to_string(port.int_val);
}

bool IsFirstContainer(const ContainerContext& c) {
  return !c.pod.spec.containers.empty() && &c.pod.spec.containers.front() == &c.container;
}

}  // namespace

bool ServiceSelects(const api::Service& service, const api::Pod& pod) {
  if (service.metadata.namespace_ != pod.metadata.namespace_) return false;
  if (service.spec.selector.empty()) return false;
  for (const auto& [key, value] : service.spec.selector) {
    auto it = pod.metadata.labels.find(key);
    if (it == pod.metadata.labels.end() || it->second != value) return false;
  }
  return true;
}

std::vector<Finding> CheckServices(const ContainerContext& c) {
  std::vector<Finding> out;
  const api::Probe* live = ProbeOf(c.container, ProbeKind::kLiveness);
  bool no_readiness = ProbeOf(c.container, ProbeKind::kReadiness) == nullptr;
  bool reported_traffic = false;
  for (const api::Service* s : c.services) {
    for (const auto& port : s->spec.ports) {
      api::IntOrString target = TargetPort(port);
      bool declared_here = Declares(c.container, target);
      // PL015 is about the pod: said once, on its first container.
      if (target.is_string() && !AnyDeclares(c.pod, target) && IsFirstContainer(c)) {
        out.push_back(MakeFinding(
            c, kServiceTargetPortUndeclared, c.path + ".ports",
            "service \"" + s->metadata.name + "\" port " + std::to_string(port.port) +
                " targets port " + PortText(target) +
                ", which no container of this pod declares: the pod is no endpoint of that "
                "port and gets none of its traffic"));
      }
      bool receives = declared_here || (!target.is_string() && !AnyDeclares(c.pod, target) &&
                                        !api::IsRestartableInitContainer(c.container));
      if (receives && live && no_readiness && !reported_traffic) {
        reported_traffic = true;
        out.push_back(MakeFinding(
            c, kServiceWithoutReadiness, ProbePath(c, ProbeKind::kLiveness),
            "service \"" + s->metadata.name + "\" (port " + std::to_string(port.port) + " -> " +
                PortText(target) +
                ") sends traffic to this container from the moment it runs, as it has no "
                "readinessProbe, and keeps sending while liveness fails, for " +
                FailureWindow(*live) + " before the restart: add a readinessProbe"));
      }
    }
  }
  return out;
}

}  // namespace probelet::lint
