// PodSource: what the API server reads from the agent (contract C4). The `run` command implements
// it over the kubelet's pod workers, status manager, event store and prober metrics; tests
// implement it with fixed pods.
//
// Thread safety: every method is called on the event loop thread that runs the ApiServer, never
// concurrently. Calls must not block: they copy what is cached (the server may call them once per
// request, hundreds of times a second).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/endpoint_slice.h"
#include "api/event.h"
#include "api/manifest_file.h"
#include "api/pod.h"
#include "api/service.h"
#include "prober/probe_worker_status.h"
#include "prober/prober_metrics.h"

namespace probelet::server {

// A pod as WithPods shows it: not a copy. `revision` changes whenever the pod does (spec,
// metadata or status) and is never reused, even by another pod; 0 means unknown (the pod may
// have changed since any earlier look), so nothing derived from it may be kept.
struct PodView {
  const api::Pod* pod;
  uint64_t revision;
};

class PodSource {
 public:
  virtual ~PodSource() = default;
  // Every pod the agent runs, spec plus current status (the kubelet's read-only /pods).
  virtual std::vector<api::Pod> ListPods() const = 0;
  // Calls `visit` once with the same pods, in the same order, without copying them: the views
  // are valid only during the call. The default copies ListPods() and gives revision 0; a source
  // that knows when its pods change gives revisions, so the API encodes each change only once.
  virtual void WithPods(const std::function<void(std::span<const PodView>)>& visit) const {
    std::vector<api::Pod> pods = ListPods();
    std::vector<PodView> views;
    views.reserve(pods.size());
    for (const auto& p : pods) views.push_back({&p, 0});
    visit(views);
  }
  // Every event recorded and still kept, aggregated (count, first and last timestamp).
  virtual std::vector<api::Event> ListEvents() const = 0;
  // Path of a container's log file (CRI format: "<RFC3339Nano> <stream> <P|F> <message>" per
  // line); previous = the instance before the current one. nullopt when there is none.
  virtual std::optional<std::string> LogPath(std::string_view ns, std::string_view pod,
                                             std::string_view container, bool previous) const = 0;
  // Appends the next piece of the kubelet's two probe metrics (prober_probe_total,
  // prober_probe_duration_seconds, defined in prober_manager.go, §7.2), at most `max_series`
  // series after `cursor` (ProberMetrics::WriteText); true once they are complete. /metrics
  // writes them first, between turns of the loop: at 4,000 workers they are megabytes. None by
  // default.
  virtual bool WriteProberMetrics(std::string& out, prober::ProberMetrics::TextCursor& cursor,
                                  size_t max_series) const {
    (void)out, (void)cursor, (void)max_series;
    return true;
  }
  // Appends the source's other metrics in the Prometheus text format, HELP and TYPE included.
  virtual void WriteMetrics(std::string& out) const = 0;

  // Services (issue 11) and their endpoints as the agent computes them (src/proxy/, wired by
  // the cli): spec.clusterIP set to the address the Service is served on. Empty by default, so
  // a source without Services needs nothing more.
  virtual std::vector<api::Service> ListServices() const { return {}; }
  virtual std::vector<api::Endpoints> ListEndpoints() const { return {}; }
  virtual std::vector<api::EndpointSlice> ListEndpointSlices() const { return {}; }

  // The files of the watched manifest directories (issue 12 §1) with their state; empty when
  // only files were given.
  virtual std::vector<api::ManifestFile> ListManifests() const { return {}; }

  // The probe workers `query` selects, with their recent attempts (issue 14, /probes). None by
  // default, so a source without probes needs nothing more.
  virtual std::vector<prober::ProbeWorkerStatus> ListProbeWorkers(
      const prober::ProbeWorkerQuery& query) const {
    (void)query;
    return {};
  }
};

}  // namespace probelet::server
