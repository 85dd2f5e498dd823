// AgentPodSource: the API server's view of a kubelet::Agent (PodSource, contract C4): its pods
// with their current status, its events, its container log paths and its prober metrics.
//
// Thread safety: the agent's event loop thread, like the Agent. Ownership: the Agent must
// outlive the source.
#pragma once

#include "kubelet/agent.h"
#include "server/pod_source.h"

namespace probelet::server {

class AgentPodSource : public PodSource {
 public:
  explicit AgentPodSource(const kubelet::Agent& agent) : agent_(agent) {}

  std::vector<api::Pod> ListPods() const override { return agent_.kubelet().ListPods(); }
  std::vector<api::Event> ListEvents() const override { return agent_.events().List(); }
  std::optional<std::string> LogPath(std::string_view ns, std::string_view pod,
                                     std::string_view container, bool previous) const override {
    return agent_.kubelet().LogPath(ns, pod, container, previous);
  }
  void WriteMetrics(std::string& out) const override { agent_.metrics().WriteText(out); }

 private:
  const kubelet::Agent& agent_;
};

}  // namespace probelet::server
