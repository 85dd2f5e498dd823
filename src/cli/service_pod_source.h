// ServicePodSource: the API server's view of an agent that also runs Services: the agent's
// pods, events, logs and metrics (server::AgentPodSource) plus the Proxier's Services,
// Endpoints, EndpointSlices and probelet_service_* metrics. The cli is the one stage that sees
// both the server and the proxy, so the two meet here.
//
// Thread safety: the agent's event loop thread. Ownership: the Agent and the Proxier must
// outlive the source.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "proxy/proxier.h"
#include "server/agent_pod_source.h"

namespace probelet::cli {

class ServicePodSource : public server::AgentPodSource {
 public:
  ServicePodSource(const kubelet::Agent& agent, const proxy::Proxier& proxier,
                   std::function<uint64_t()> agent_log_dropped)
      : AgentPodSource(agent, std::move(agent_log_dropped)), proxier_(proxier) {}

  std::vector<api::Service> ListServices() const override { return proxier_.ListServices(); }
  std::vector<api::Endpoints> ListEndpoints() const override { return proxier_.ListEndpoints(); }
  std::vector<api::EndpointSlice> ListEndpointSlices() const override {
    return proxier_.ListEndpointSlices();
  }
  void WriteMetrics(std::string& out) const override {
    AgentPodSource::WriteMetrics(out);
    proxier_.WriteMetrics(out);
  }

 private:
  const proxy::Proxier& proxier_;
};

}  // namespace probelet::cli
