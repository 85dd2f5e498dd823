#include "lint/endpoint_checks.h"

#include <optional>
#include <set>
#include <string>

#include "lint/codes.h"

namespace probelet::lint {
namespace {

std::set<int32_t> DeclaredPorts(const api::Pod& pod) {
  std::set<int32_t> ports;
  for (const auto* list : {&pod.spec.containers, &pod.spec.init_containers}) {
    for (const auto& c : *list) {
      for (const auto& p : c.ports) ports.insert(p.container_port);
    }
  }
  return ports;
}

bool IsThePod(const std::string& host) {
  return host.empty() || host == "localhost" || host == "127.0.0.1" || host == "::1" ||
         host == "[::1]";
}

struct Endpoint {
  std::string kind;  // "httpGet"
  std::optional<int32_t> port;
  std::string host;
};

std::optional<Endpoint> EndpointOf(const api::Probe& p) {
  const auto& h = p.handler;
  auto number = [](const api::IntOrString& port) -> std::optional<int32_t> {
    if (port.is_string()) return std::nullopt;
    return port.int_val;
  };
  if (h.http_get) return Endpoint{"httpGet", number(h.http_get->port), h.http_get->host};
  if (h.tcp_socket) return Endpoint{"tcpSocket", number(h.tcp_socket->port), h.tcp_socket->host};
  if (h.grpc) return Endpoint{"grpc", h.grpc->port, ""};
  return std::nullopt;
}

std::string PortList(const std::set<int32_t>& ports) {
  std::string out;
  for (int32_t p : ports) out += (out.empty() ? "" : ", ") + std::to_string(p);
  return out;
}

}  // namespace

std::vector<Finding> CheckProbeEndpoints(const ContainerContext& c) {
  std::vector<Finding> out;
  std::set<int32_t> declared = DeclaredPorts(c.pod);
  for (ProbeKind kind : {ProbeKind::kLiveness, ProbeKind::kReadiness, ProbeKind::kStartup}) {
    const api::Probe* p = ProbeOf(c.container, kind);
    if (!p) continue;
    std::optional<Endpoint> e = EndpointOf(*p);
    if (!e) continue;
    std::string what = std::string(ProbeKindName(kind)) + " " + e->kind;
    if (e->port && declared.empty()) {
      out.push_back(MakeFinding(
          c, kProbePortUnchecked, ProbePath(c, kind),
          what + " probe on port " + std::to_string(*e->port) +
              ", and no container of the pod declares its ports: whether the probe checks this "
              "container cannot be told; declare containerPort " +
              std::to_string(*e->port) + " on the container that serves it"));
    } else if (e->port && !declared.count(*e->port)) {
      out.push_back(MakeFinding(
          c, kProbePortUndeclared, ProbePath(c, kind),
          what + " probe on port " + std::to_string(*e->port) +
              ", which no container of the pod declares (they declare " + PortList(declared) +
              "): the probe may check a dependency, not the container, and " +
              (kind == ProbeKind::kReadiness ? "takes it out of traffic" : "restarts it") +
              " when that dependency fails"));
    }
    if (!IsThePod(e->host)) {
      std::string port = e->port ? std::to_string(*e->port) : "its port";
      out.push_back(
          MakeFinding(c, kProbeHostElsewhere, ProbePath(c, kind),
                      what + " probe checks host \"" + e->host + "\" (port " + port +
                          "), not the pod: it checks a dependency, not the container, and after " +
                          FailureWindow(*p) + " of that dependency failing it " +
                          (kind == ProbeKind::kReadiness ? "takes this container out of traffic"
                                                         : "restarts this container")));
    }
  }
  return out;
}

}  // namespace probelet::lint
