// Prober: runs one probe of a container, the kubelet's prober.probe (§4.2): selects the
// handler from the probe's spec, builds its input (HTTP request, TCP address, gRPC target,
// expanded exec command), runs it up to 3 times back to back while it returns an error,
// maps the handler result to a CachedResult and records the probe events of §7.1.
//
// The container's spec is read once, into a ProbeTarget (MakeProbeTarget), not per probe.
//
// Mapping (§4.2.4): success -> Success; warning -> Success plus a ProbeWarning event;
// failure -> Failure plus an Unhealthy event (on every failing probe, below the threshold
// too); unknown without error -> Failure, no event; error after 3 attempts -> Failure with
// the error (the worker discards it) plus an Unhealthy "errored" event; no probe spec ->
// Success; no handler -> the error "missing probe handler for <pod>:<container>".
//
// Thread safety: event loop thread only. `done` is called exactly once, on the loop thread,
// never from inside Probe(); never after the Prober is destroyed. Ownership: the handlers and
// the recorder must outlive the Prober. Probe() keeps a pointer to its ProbeTarget (see
// Probe) and copies what it needs of the status and the container ID.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/event.h"
#include "api/pod.h"
#include "probe/probers.h"
#include "prober/container_command_runner.h"
#include "prober/probe_type.h"
#include "prober/results_manager.h"

namespace probelet::prober {

// The handlers the prober runs; any may be null (a probe of that kind then errors).
struct ProbeHandlers {
  probe::HttpProber* http = nullptr;
  probe::TcpProber* tcp = nullptr;
  probe::GrpcProber* grpc = nullptr;
  ContainerCommandRunner* exec = nullptr;
};

// What prober.probe returns: a result, and an error when the probe could not be run. The
// handler's own result and output ride along for the probe history (probe_history.h).
struct ProberResult {
  CachedResult result = CachedResult::kFailure;
  std::optional<std::string> error;
  probe::Result probe_result = probe::Result::kUnknown;
  std::string output{};  // the handler's output; the error when it could not be run
};

// What probing needs of a pod, copied once per AddPod and shared by the workers it creates.
// (A whole api::Pod is ~3 KB per container, too much to keep per idle worker.)
struct PodRef {
  std::string uid;
  std::string name;
  std::string namespace_;
  // spec.restartPolicy: whether doProbe keeps going after the container terminated (worker.go,
  // ContainerShouldRestart, §3.6)
  std::string restart_policy;
  bool deletion_requested = false;  // metadata.deletionTimestamp was set
};
std::shared_ptr<const PodRef> MakePodRef(const api::Pod& pod);

// One container's probe of one type, ready to run: everything the kubelet derives from the
// container spec on each probe (immutable: the kubelet does not update probe parameters either,
// §9.9) is derived once here, with the same result: the named port resolved (pkg/probe/util.go
// ResolveContainerPort, §5.1.2) or its error kept, the exec command expanded
// (ExpandContainerCommandOnlyStatic, §5.2.1).
struct ProbeTarget {
  std::shared_ptr<const PodRef> pod;
  std::string container;  // name
  std::optional<std::string> container_restart_policy;
  bool init_container = false;
  ProbeType type = ProbeType::kLiveness;
  std::optional<api::Probe> spec;  // nullopt: the container has no probe of this type
  // httpGet/tcpSocket ports in `spec` are rewritten to the resolved number; when resolution
  // fails, this holds the error each probe returns (prober.go runProbe, §4.2.5); also "missing
  // probe handler for ..." (runProbe's default branch).
  std::optional<std::string> input_error;
  std::vector<std::string> exec_command;  // expanded; empty unless an exec probe
  // httpGet: the request last built and the pod IP it was built for. Nothing else feeds it
  // (the spec is immutable), so the Prober builds it again only when the pod IP changes.
  // Mutable: a memo of the Prober's, which takes the target as const.
  mutable probe::HttpRequestPtr http_request;
  mutable std::string http_request_pod_ip;
};
ProbeTarget MakeProbeTarget(std::shared_ptr<const PodRef> pod, const api::Container& container,
                            bool init_container, ProbeType type);

// Records an event about `container` of `pod` (the kubelet's recordContainerEvent: the
// involved object is the pod with field path spec.containers{c} / spec.initContainers{c}).
void RecordContainerEvent(api::EventRecorder& recorder, const PodRef& pod,
                          std::string_view container, bool init_container, std::string_view type,
                          std::string_view reason, std::string message);

class Prober {
 public:
  // Attempts per probe while it returns an error (prober.go maxProbeRetries, used by
  // runProbeWithRetries; §4.2.3).
  static constexpr int kMaxProbeRetries = 3;
  using Done = std::function<void(ProberResult)>;

  // `clock` defers outcomes known at once (bad port, no handler) to a later loop turn.
  Prober(base::Clock& clock, ProbeHandlers handlers, api::EventRecorder& recorder,
         std::string user_agent = std::string(probe::kDefaultUserAgent));
  ~Prober();
  Prober(const Prober&) = delete;
  Prober& operator=(const Prober&) = delete;

  // Runs `target`'s probe. `status` gives the pod IP; `container_id` is where exec probes
  // run. REQUIRES: `target` stays alive until `done` runs or the Prober is destroyed (the
  // worker owning it does not go away while its probe is in flight).
  void Probe(const ProbeTarget& target, const api::PodStatus& status,
             const std::string& container_id, Done done);

 private:
  struct Attempt;
  void Run(const std::shared_ptr<Attempt>& attempt);
  void Finish(const std::shared_ptr<Attempt>& attempt, probe::Outcome outcome);
  void Defer(std::shared_ptr<Attempt> attempt, probe::Outcome outcome);
  void RunDeferred();

  base::Clock& clock_;
  ProbeHandlers handlers_;
  api::EventRecorder& recorder_;
  std::string user_agent_;
  // Callbacks still pending in the handlers hold a weak_ptr to this: they do nothing once
  // the Prober is gone.
  std::shared_ptr<Prober*> self_;
  // Outcomes known without running a handler, delivered by one zero-delay timer.
  std::unique_ptr<base::Timer> deferred_timer_;
  std::vector<std::pair<std::shared_ptr<Attempt>, probe::Outcome>> deferred_;
};

}  // namespace probelet::prober
