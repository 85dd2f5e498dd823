// ScriptedProbers: the four probe handlers of `probelet simulate` (HTTP, TCP, gRPC, and exec in
// the container), answering as the scenario says instead of touching the network. The real
// Prober, workers and manager run on top of them, unchanged.
//
// A prober handler is told where to probe, not which container's probe of which type asks; so
// Prepare() gives every probe of a pod its own endpoint before the kubelet sees the pod: HTTP,
// TCP and gRPC probes get a port number of their own (1, 2, ...), exec probes a first argv
// element "probelet-simulate/<n>". The handler maps it back to (pod, container, probe type),
// asks the ScriptedRuntime which instance of that container runs and since when, and answers
// with the outcome the real handler would give, in the kubelet's words (with the manifest's own
// port and command), after the scenario's latency, or as a timeout at timeoutSeconds when the
// latency reaches it:
//   not yet listening (startupSeconds) or no instance running: connection refused (HTTP, TCP;
//     gRPC waits out its timeout as its dial does; exec exits 1);
//   in a failure window: HTTP 500, TCP connection refused, gRPC NOT_SERVING, exec exit 1.
// Anything else (a preStop/postStart httpGet hook) succeeds at once.
//
// Thread safety: the clock's thread. Ownership: the clock and the runtime must outlive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "api/pod.h"
#include "probe/probers.h"
#include "prober/container_command_runner.h"
#include "prober/probe_type.h"
#include "sim/deferred_calls.h"
#include "sim/scripted_runtime.h"

namespace probelet::sim {

class ScriptedProbers {
 public:
  // The most endpoints one simulation can hold (one port number each).
  static constexpr size_t kMaxEndpoints = 65535;

  ScriptedProbers(base::Clock& clock, const ScriptedRuntime& runtime);
  ~ScriptedProbers();
  ScriptedProbers(const ScriptedProbers&) = delete;
  ScriptedProbers& operator=(const ScriptedProbers&) = delete;

  // `pod` with each probe pointed at an endpoint of its own (see above); an error when the
  // simulation has no endpoint left. A named port that does not resolve is left as it is (the
  // Prober then reports it, as the kubelet does).
  base::Expected<api::Pod> Prepare(const api::Pod& pod);

  probe::HttpProber& http();
  probe::TcpProber& tcp();
  probe::GrpcProber& grpc();
  prober::ContainerCommandRunner& exec();
  // For httpGet lifecycle hooks: every request succeeds.
  probe::HttpProber& hooks();

  struct Endpoint {
    enum class Kind { kHttp, kTcp, kGrpc, kExec };
    Kind kind = Kind::kHttp;
    std::string pod_uid;
    std::string container;
    prober::ProbeType type = prober::ProbeType::kLiveness;
    int port = 0;                   // the manifest's (resolved) port
    std::vector<std::string> argv;  // exec: the manifest's command
  };

 private:
  class Http;
  class Tcp;
  class Grpc;
  class Exec;
  class Hooks;
  // What probing endpoint `index` at this moment gives, delivered after its latency.
  struct Verdict {
    bool listening = false;
    bool healthy = false;
    bool timed_out = false;
    base::Duration after{};
  };
  Verdict Decide(size_t index, base::Duration timeout) const;
  void Register(api::Probe& probe, const api::Container& container, const std::string& pod_uid,
                prober::ProbeType type, base::Status& status);

  base::Clock& clock_;
  const ScriptedRuntime& runtime_;
  DeferredCalls later_;
  std::vector<Endpoint> endpoints_;  // endpoint n is endpoints_[n - 1]
  std::unique_ptr<Http> http_;
  std::unique_ptr<Tcp> tcp_;
  std::unique_ptr<Grpc> grpc_;
  std::unique_ptr<Exec> exec_;
  std::unique_ptr<Hooks> hooks_;
};

}  // namespace probelet::sim
