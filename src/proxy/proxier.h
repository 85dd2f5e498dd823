// Proxier: every Service of the agent, end to end (kube-proxy's Proxier plus the EndpointSlice
// controller, for one node). It keeps the pods the Services select, recomputes a Service's
// endpoints when one of them changes (ComputeEndpoints), hands each Service port's picker the
// endpoints that are ready on that port, owns the listeners (ServicePortProxy: the Service port
// and, for NodePort, the node port, both fed by the same picker), and answers the API's views
// (Services, Endpoints, EndpointSlices) and the Prometheus metrics.
//
// Lifecycle: construct with the loaded Services, Start() (binds every port, or none), then
// UpdatePod on each status change, SetNodeTerminating when probelet begins to stop (every
// endpoint becomes terminating, so new connections are refused while the established ones
// drain), Close() once the pods are gone. A readiness change reaches the picker inside
// UpdatePod: the very next accepted connection follows it.
//
// Thread safety: the io_context's one thread only. Ownership: io and clock must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "api/endpoint_slice.h"
#include "api/pod.h"
#include "api/service.h"
#include "base/clock.h"
#include "base/expected.h"
#include "proxy/endpoints.h"
#include "proxy/random_picker.h"
#include "proxy/service_port_proxy.h"

namespace boost::asio {
class io_context;
}

namespace probelet::proxy {

struct ProxierOptions {
  std::string address = "127.0.0.1";  // --service-address: where every Service port listens
  std::string node_name;              // the endpoints' nodeName
  ServicePortProxyOptions port_options;
  uint64_t seed = 0;  // the pickers' randomness; 0: from std::random_device
};

class Proxier {
 public:
  // Each Service's spec.clusterIP is set to options.address (what `kubectl get svc` shows).
  Proxier(boost::asio::io_context& io, base::Clock& clock, std::vector<api::Service> services,
          ProxierOptions options);
  ~Proxier();
  Proxier(const Proxier&) = delete;
  Proxier& operator=(const Proxier&) = delete;

  // Listens on every Service port (and node port). On the first failure every listener opened
  // so far is closed and the error names the Service and its port:
  // `service default/web port 80: listen tcp 127.0.0.1:80: bind: Address already in use`.
  base::Status Start();

  // A Service added while running (a manifest directory's): listens at once (the error as
  // Start's; nothing stays bound then) and takes its endpoints from `pods`, every pod the agent
  // runs now, then from UpdatePod as the others.
  base::Status AddService(api::Service service, const std::vector<api::Pod>& pods);
  // Stops listening for the Service and resets its connections (a removed or changed manifest).
  void RemoveService(std::string_view ns, std::string_view name);

  // A pod's spec and current status (added or changed). Cheap for pods no Service selects.
  void UpdatePod(const api::Pod& pod);
  // The pod is gone (stopped and forgotten): it is no endpoint any more.
  void RemovePod(std::string_view pod_uid);
  // Probelet is shutting down: every endpoint is terminating (not ready), at once.
  void SetNodeTerminating();
  // Stops listening and resets what is still open. Idempotent; the destructor calls it.
  void Close();

  std::vector<api::Service> ListServices() const;
  std::vector<api::Endpoints> ListEndpoints() const;
  std::vector<api::EndpointSlice> ListEndpointSlices() const;
  // probelet_service_* metrics in the Prometheus text format, HELP and TYPE included; nothing
  // when there is no Service.
  void WriteMetrics(std::string& out) const;

  // What a Service port routes new connections to now (for tests and `describe`).
  std::vector<Backend> ReadyBackends(std::string_view ns, std::string_view service,
                                     int32_t port) const;
  // The bound port of a Service port's listener (its node port listener with node_port).
  uint16_t BoundPort(std::string_view ns, std::string_view service, int32_t port,
                     bool node_port = false) const;

 private:
  struct ServiceState;
  ServiceState* Find(std::string_view ns, std::string_view name) const;
  std::unique_ptr<ServiceState> MakeState(api::Service service);
  base::Status Listen(ServiceState& s);
  void Recompute(ServiceState& s);

  boost::asio::io_context& io_;
  base::Clock& clock_;
  ProxierOptions options_;
  EndpointOptions endpoint_options_;
  std::vector<std::unique_ptr<ServiceState>> services_;
  std::mt19937_64 seeds_;
  // The pods some Service selects, in the order they first came (endpoint order).
  std::vector<api::Pod> pods_;
};

}  // namespace probelet::proxy
