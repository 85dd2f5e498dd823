#include "proxy/proxier.h"

#include <algorithm>
#include <random>

#include "proxy/endpoint_slices.h"

namespace probelet::proxy {

// One Service port: its picker and its listeners (the node port's shares the picker).
struct PortState {
  explicit PortState(uint64_t seed) : picker(seed) {}
  RandomPicker picker;
  std::unique_ptr<ServicePortProxy> listener;
  std::unique_ptr<ServicePortProxy> node_port_listener;
};

struct Proxier::ServiceState {
  api::Service service;
  std::vector<ServiceEndpoint> endpoints;
  std::vector<std::unique_ptr<PortState>> ports;  // one per spec.ports entry
};

namespace {

bool Selects(const api::Service& service, const api::Pod& pod) {
  return !service.spec.selector.empty() && pod.metadata.namespace_ == service.metadata.namespace_ &&
         SelectorMatches(service.spec.selector, pod.metadata.labels);
}

std::string ServiceName(const api::Service& s) {
  return s.metadata.namespace_ + "/" + s.metadata.name;
}

// Names and namespaces are DNS labels (validated), so label values need no escaping.
std::string MetricLabels(const api::Service& s, const api::ServicePort& p) {
  return "namespace=\"" + s.metadata.namespace_ + "\",service=\"" + s.metadata.name + "\",port=\"" +
         (p.name.empty() ? std::to_string(p.port) : p.name) + "\"";
}

}  // namespace

Proxier::Proxier(boost::asio::io_context& io, base::Clock& clock,
                 std::vector<api::Service> services, ProxierOptions options)
    : io_(io),
      clock_(clock),
      options_(std::move(options)),
      seeds_(options_.seed != 0 ? options_.seed : std::random_device{}()) {
  endpoint_options_.node_name = options_.node_name;
  for (auto& service : services) services_.push_back(MakeState(std::move(service)));
}

std::unique_ptr<Proxier::ServiceState> Proxier::MakeState(api::Service service) {
  auto s = std::make_unique<ServiceState>();
  service.spec.cluster_ip = options_.address;
  // Created when probelet took it up, as the API server stamps an object it stores.
  if (!service.metadata.creation_timestamp) service.metadata.creation_timestamp = clock_.WallNow();
  s->service = std::move(service);
  for (size_t i = 0; i < s->service.spec.ports.size(); ++i) {
    auto port = std::make_unique<PortState>(seeds_());
    if (int32_t seconds = api::ClientIPAffinitySeconds(s->service); seconds > 0) {
      port->picker.EnableClientIpAffinity(clock_, std::chrono::seconds(seconds));
    }
    s->ports.push_back(std::move(port));
  }
  return s;
}

Proxier::~Proxier() { Close(); }

base::Status Proxier::Listen(ServiceState& s) {
  auto listen = [&](int32_t port, PortState& state,
                    std::unique_ptr<ServicePortProxy>& into) -> base::Status {
    auto proxy = ServicePortProxy::Listen(io_, clock_, state.picker, options_.address,
                                          static_cast<uint16_t>(port), options_.port_options);
    if (!proxy.ok()) {
      return base::Error{"service " + ServiceName(s.service) + " port " + std::to_string(port) +
                             ": " + proxy.error().message,
                         proxy.error().sys_errno};
    }
    into = std::move(*proxy);
    return {};
  };
  for (size_t i = 0; i < s.ports.size(); ++i) {
    const api::ServicePort& sp = s.service.spec.ports[i];
    base::Status st = listen(sp.port, *s.ports[i], s.ports[i]->listener);
    if (st.ok() && s.service.spec.type == "NodePort") {
      st = listen(sp.node_port, *s.ports[i], s.ports[i]->node_port_listener);
    }
    if (!st.ok()) return st;
  }
  return {};
}

base::Status Proxier::Start() {
  for (auto& s : services_) {
    if (base::Status st = Listen(*s); !st.ok()) {
      Close();
      return st;
    }
  }
  return {};
}

base::Status Proxier::AddService(api::Service service, const std::vector<api::Pod>& pods) {
  auto state = MakeState(std::move(service));
  if (base::Status st = Listen(*state); !st.ok()) return st;  // its listeners close with it
  for (const auto& pod : pods) {
    if (!Selects(state->service, pod)) continue;
    auto known = std::find_if(pods_.begin(), pods_.end(), [&](const api::Pod& p) {
      return p.metadata.uid == pod.metadata.uid;
    });
    if (known == pods_.end()) pods_.push_back(pod);
  }
  Recompute(*state);
  services_.push_back(std::move(state));
  return {};
}

void Proxier::RemoveService(std::string_view ns, std::string_view name) {
  std::erase_if(services_, [&](const auto& s) {
    return s->service.metadata.namespace_ == ns && s->service.metadata.name == name;
  });
}

void Proxier::UpdatePod(const api::Pod& pod) {
  auto known = std::find_if(pods_.begin(), pods_.end(),
                            [&](const api::Pod& p) { return p.metadata.uid == pod.metadata.uid; });
  bool selected = false;
  for (auto& s : services_) selected = selected || Selects(s->service, pod);
  if (!selected && known == pods_.end()) return;
  // The Services to recompute: those that select the pod now or selected it before.
  std::vector<ServiceState*> affected;
  for (auto& s : services_) {
    if (Selects(s->service, pod) || (known != pods_.end() && Selects(s->service, *known))) {
      affected.push_back(s.get());
    }
  }
  if (known != pods_.end()) {
    *known = pod;
  } else {
    pods_.push_back(pod);
  }
  for (ServiceState* s : affected) Recompute(*s);
}

void Proxier::RemovePod(std::string_view pod_uid) {
  auto it = std::find_if(pods_.begin(), pods_.end(),
                         [&](const api::Pod& p) { return p.metadata.uid == pod_uid; });
  if (it == pods_.end()) return;
  api::Pod gone = std::move(*it);
  pods_.erase(it);
  for (auto& s : services_) {
    if (Selects(s->service, gone)) Recompute(*s);
  }
}

void Proxier::SetNodeTerminating() {
  if (endpoint_options_.node_terminating) return;
  endpoint_options_.node_terminating = true;
  for (auto& s : services_) Recompute(*s);
}

void Proxier::Close() {
  for (auto& s : services_) {
    for (auto& port : s->ports) {
      port->listener.reset();  // closes the listener and resets what is still open
      port->node_port_listener.reset();
    }
  }
}

void Proxier::Recompute(ServiceState& s) {
  std::vector<const api::Pod*> pods;
  pods.reserve(pods_.size());
  for (const auto& p : pods_) pods.push_back(&p);
  std::vector<ServiceEndpoint> endpoints = ComputeEndpoints(s.service, pods, endpoint_options_);
  if (endpoints == s.endpoints) return;
  s.endpoints = std::move(endpoints);
  for (size_t i = 0; i < s.ports.size(); ++i) {
    std::vector<Backend> ready;
    for (const auto& e : s.endpoints) {
      if (e.ready && e.ports[i]) {
        ready.push_back(Backend{e.address, static_cast<uint16_t>(*e.ports[i])});
      }
    }
    s.ports[i]->picker.SetBackends(std::move(ready));
  }
}

Proxier::ServiceState* Proxier::Find(std::string_view ns, std::string_view name) const {
  for (const auto& s : services_) {
    if (s->service.metadata.namespace_ == ns && s->service.metadata.name == name) return s.get();
  }
  return nullptr;
}

std::vector<api::Service> Proxier::ListServices() const {
  std::vector<api::Service> out;
  out.reserve(services_.size());
  for (const auto& s : services_) out.push_back(s->service);
  return out;
}

std::vector<api::Endpoints> Proxier::ListEndpoints() const {
  std::vector<api::Endpoints> out;
  for (const auto& s : services_) {
    if (s->service.spec.selector.empty()) continue;  // not managed: no Endpoints object
    out.push_back(BuildEndpoints(s->service, s->endpoints, endpoint_options_));
  }
  return out;
}

std::vector<api::EndpointSlice> Proxier::ListEndpointSlices() const {
  std::vector<api::EndpointSlice> out;
  for (const auto& s : services_) {
    auto slices = BuildEndpointSlices(s->service, s->endpoints, endpoint_options_);
    std::move(slices.begin(), slices.end(), std::back_inserter(out));
  }
  return out;
}

std::vector<Backend> Proxier::ReadyBackends(std::string_view ns, std::string_view service,
                                            int32_t port) const {
  const ServiceState* s = Find(ns, service);
  if (s == nullptr) return {};
  for (size_t i = 0; i < s->ports.size(); ++i) {
    if (s->service.spec.ports[i].port == port) return s->ports[i]->picker.backends();
  }
  return {};
}

uint16_t Proxier::BoundPort(std::string_view ns, std::string_view service, int32_t port,
                            bool node_port) const {
  const ServiceState* s = Find(ns, service);
  if (s == nullptr) return 0;
  for (size_t i = 0; i < s->ports.size(); ++i) {
    if (s->service.spec.ports[i].port != port) continue;
    const auto& listener = node_port ? s->ports[i]->node_port_listener : s->ports[i]->listener;
    return listener ? listener->port() : 0;
  }
  return 0;
}

void Proxier::WriteMetrics(std::string& out) const {
  if (services_.empty()) return;
  struct Family {
    const char* name;
    const char* type;
    const char* help;
    uint64_t (*value)(const ProxyCounters&);
  };
  static constexpr Family kFamilies[] = {
      {"probelet_service_connections_accepted_total", "counter",
       "Connections accepted on a Service port (and its node port).",
       [](const ProxyCounters& c) { return c.accepted; }},
      {"probelet_service_connections_refused_total", "counter",
       "Connections reset at once because the Service port had no ready endpoint.",
       [](const ProxyCounters& c) { return c.refused; }},
      {"probelet_service_connections_failed_total", "counter",
       "Connections reset because the connect to an endpoint failed, and its one retry too.",
       [](const ProxyCounters& c) { return c.failed; }},
      {"probelet_service_active_connections", "gauge",
       "Connections of a Service port open now (accepted and not yet closed).",
       [](const ProxyCounters& c) { return c.active; }},
  };
  auto sum = [](const PortState& p, auto value) {
    uint64_t v = 0;
    if (p.listener) v += value(p.listener->counters());
    if (p.node_port_listener) v += value(p.node_port_listener->counters());
    return v;
  };
  for (const Family& f : kFamilies) {
    out +=
        std::string("# HELP ") + f.name + " " + f.help + "\n# TYPE " + f.name + " " + f.type + "\n";
    for (const auto& s : services_) {
      for (size_t i = 0; i < s->ports.size(); ++i) {
        out += std::string(f.name) + "{" + MetricLabels(s->service, s->service.spec.ports[i]) +
               "} " + std::to_string(sum(*s->ports[i], f.value)) + "\n";
      }
    }
  }
  out +=
      "# HELP probelet_service_bytes_total Bytes forwarded by a Service port, by direction.\n"
      "# TYPE probelet_service_bytes_total counter\n";
  for (const auto& s : services_) {
    for (size_t i = 0; i < s->ports.size(); ++i) {
      std::string labels = MetricLabels(s->service, s->service.spec.ports[i]);
      uint64_t to_endpoint =
          sum(*s->ports[i], [](const ProxyCounters& c) { return c.bytes_client_to_backend; });
      uint64_t to_client =
          sum(*s->ports[i], [](const ProxyCounters& c) { return c.bytes_backend_to_client; });
      out += "probelet_service_bytes_total{" + labels + ",direction=\"to_endpoint\"} " +
             std::to_string(to_endpoint) + "\n";
      out += "probelet_service_bytes_total{" + labels + ",direction=\"to_client\"} " +
             std::to_string(to_client) + "\n";
    }
  }
  out +=
      "# HELP probelet_service_endpoints Endpoints of a Service by EndpointSlice condition (an "
      "endpoint may count under several).\n"
      "# TYPE probelet_service_endpoints gauge\n";
  for (const auto& s : services_) {
    size_t ready = 0, serving = 0, terminating = 0;
    for (const auto& e : s->endpoints) {
      ready += e.ready;
      serving += e.serving;
      terminating += e.terminating;
    }
    std::string labels = "namespace=\"" + s->service.metadata.namespace_ + "\",service=\"" +
                         s->service.metadata.name + "\",condition=\"";
    out += "probelet_service_endpoints{" + labels + "ready\"} " + std::to_string(ready) + "\n";
    out += "probelet_service_endpoints{" + labels + "serving\"} " + std::to_string(serving) + "\n";
    out += "probelet_service_endpoints{" + labels + "terminating\"} " +
           std::to_string(terminating) + "\n";
  }
}

}  // namespace probelet::proxy
