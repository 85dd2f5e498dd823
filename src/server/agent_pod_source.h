// AgentPodSource: the API server's view of a kubelet::Agent (PodSource, contract C4): its pods
// with their current status, its events, its container log paths, its probe workers and their
// history, its prober metrics and the count of log lines dropped rather than block the loop
// (containers' and probelet's own).
//
// Thread safety: the agent's event loop thread, like the Agent. Ownership: the Agent must
// outlive the source.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "kubelet/agent.h"
#include "server/pod_source.h"

namespace probelet::server {

class AgentPodSource : public PodSource {
 public:
  // `agent_log_dropped` counts probelet's own log lines dropped (the agent does not own its
  // stderr writer: the command line does); null for none.
  explicit AgentPodSource(const kubelet::Agent& agent,
                          std::function<uint64_t()> agent_log_dropped = nullptr)
      : agent_(agent), agent_log_dropped_(std::move(agent_log_dropped)) {}

  std::vector<api::Pod> ListPods() const override { return agent_.kubelet().ListPods(); }
  void WithPods(const std::function<void(std::span<const PodView>)>& visit) const override {
    std::vector<PodView> views;
    for (const auto& p : agent_.kubelet().ViewPods()) views.push_back({p.pod, p.revision});
    visit(views);
  }
  std::vector<api::Event> ListEvents() const override { return agent_.events().List(); }
  std::optional<std::string> LogPath(std::string_view ns, std::string_view pod,
                                     std::string_view container, bool previous) const override {
    return agent_.kubelet().LogPath(ns, pod, container, previous);
  }
  std::vector<prober::ProbeWorkerStatus> ListProbeWorkers(
      const prober::ProbeWorkerQuery& query) const override {
    return agent_.probers().ListWorkers(query);
  }
  bool WriteProberMetrics(std::string& out, prober::ProberMetrics::TextCursor& cursor,
                          size_t max_series) const override {
    return agent_.metrics().WriteText(out, cursor, max_series);
  }
  void WriteMetrics(std::string& out) const override {
    out +=
        "# HELP probelet_log_dropped_lines_total Log lines dropped rather than block the event "
        "loop: containers' logs (the disk could not keep up) and probelet's own (stderr).\n"
        "# TYPE probelet_log_dropped_lines_total counter\n";
    out += "probelet_log_dropped_lines_total{log=\"container\"} " +
           std::to_string(agent_.container_log_dropped_lines()) + "\n";
    if (agent_log_dropped_) {
      out += "probelet_log_dropped_lines_total{log=\"agent\"} " +
             std::to_string(agent_log_dropped_()) + "\n";
    }
  }

 private:
  const kubelet::Agent& agent_;
  std::function<uint64_t()> agent_log_dropped_;
};

}  // namespace probelet::server
