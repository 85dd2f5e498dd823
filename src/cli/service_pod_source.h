// ServicePodSource: the API server's view of an agent that also runs Services and watches
// manifest directories: the agent's pods, events, logs and metrics (server::AgentPodSource),
// the Proxier's Services, Endpoints, EndpointSlices and probelet_service_* metrics, and the
// manifest files (GET /manifests). The cli is the one stage that sees
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
  // `manifests`: the watched directories' files (ManifestSync::Files).
  ServicePodSource(const kubelet::Agent& agent, const proxy::Proxier& proxier,
                   std::function<uint64_t()> agent_log_dropped,
                   std::function<std::vector<api::ManifestFile>()> manifests)
      : AgentPodSource(agent, std::move(agent_log_dropped)),
        proxier_(proxier),
        manifests_(std::move(manifests)) {}

  std::vector<api::Service> ListServices() const override { return proxier_.ListServices(); }
  std::vector<api::Endpoints> ListEndpoints() const override { return proxier_.ListEndpoints(); }
  std::vector<api::EndpointSlice> ListEndpointSlices() const override {
    return proxier_.ListEndpointSlices();
  }
  std::vector<api::ManifestFile> ListManifests() const override { return manifests_(); }
  void WriteMetrics(std::string& out) const override {
    AgentPodSource::WriteMetrics(out);
    proxier_.WriteMetrics(out);
  }

 private:
  const proxy::Proxier& proxier_;
  std::function<std::vector<api::ManifestFile>()> manifests_;
};

}  // namespace probelet::cli
