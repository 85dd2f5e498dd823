#include "prober/prober.h"

#include <chrono>
#include <utility>
#include <vector>

#include "api/expansion.h"
#include "api/pod_helpers.h"
#include "api/port_resolution.h"
#include "probe/http_request.h"

namespace probelet::prober {
namespace {

// pkg/kubelet/events/event.go
constexpr std::string_view kReasonUnhealthy = "Unhealthy";        // ContainerUnhealthy
constexpr std::string_view kReasonProbeWarning = "ProbeWarning";  // ContainerProbeWarning

const api::Probe* SpecFor(const api::Container& c, ProbeType type) {
  switch (type) {
    case ProbeType::kLiveness:
      return c.liveness_probe ? &*c.liveness_probe : nullptr;
    case ProbeType::kReadiness:
      return c.readiness_probe ? &*c.readiness_probe : nullptr;
    case ProbeType::kStartup:
      return c.startup_probe ? &*c.startup_probe : nullptr;
  }
  return nullptr;
}

}  // namespace

std::shared_ptr<const PodRef> MakePodRef(const api::Pod& pod) {
  auto ref = std::make_shared<PodRef>();
  ref->uid = pod.metadata.uid;
  ref->name = pod.metadata.name;
  ref->namespace_ = pod.metadata.namespace_;
  ref->restart_policy = pod.spec.restart_policy;
  ref->deletion_requested = pod.metadata.deletion_timestamp.has_value();
  return ref;
}

ProbeTarget MakeProbeTarget(std::shared_ptr<const PodRef> pod, const api::Container& container,
                            bool init_container, ProbeType type) {
  ProbeTarget t;
  t.pod = std::move(pod);
  t.container = container.name;
  t.container_restart_policy = container.restart_policy;
  t.init_container = init_container;
  t.type = type;
  const api::Probe* spec = SpecFor(container, type);
  if (spec == nullptr) return t;
  t.spec = *spec;
  api::ProbeHandler& h = t.spec->handler;
  // The kubelet's runProbe, in its order: exec, httpGet, tcpSocket, grpc.
  if (h.exec) {
    t.exec_command = api::ExpandContainerCommandOnlyStatic(h.exec->command, container.env);
  } else if (h.http_get) {
    auto port = api::ResolveContainerPort(h.http_get->port, container);
    if (port.ok()) {
      h.http_get->port = api::IntOrString::Int(*port);
    } else {
      t.input_error = port.error().message;
    }
  } else if (h.tcp_socket) {
    auto port = api::ResolveContainerPort(h.tcp_socket->port, container);
    if (port.ok()) {
      h.tcp_socket->port = api::IntOrString::Int(*port);
    } else {
      t.input_error = port.error().message;
    }
  } else if (!h.grpc) {
    t.input_error = "missing probe handler for " +
                    api::FormatPod(t.pod->name, t.pod->namespace_, t.pod->uid) + ":" +
                    container.name;
  }
  return t;
}

void RecordContainerEvent(api::EventRecorder& recorder, const PodRef& pod,
                          std::string_view container, bool init_container, std::string_view type,
                          std::string_view reason, std::string message) {
  recorder.Record(api::ContainerRef(pod.namespace_, pod.name, pod.uid, container, init_container),
                  type, reason, std::move(message));
}

// One probe and its retries. Shared by the callbacks of its attempts.
struct Prober::Attempt {
  enum class Kind : uint8_t { kHttp, kTcp, kGrpc, kExec, kNone };
  Kind kind = Kind::kNone;
  bool error_event = true;  // false only for an unknown probe type (see Probe, §4.2.1)
  int attempts = 0;
  const ProbeTarget* target = nullptr;
  base::Duration timeout{};
  Done done;
  probe::HttpRequestPtr http;
  std::string host;          // tcp, grpc: the address dialled
  std::string container_id;  // exec
};

Prober::Prober(base::Clock& clock, ProbeHandlers handlers, api::EventRecorder& recorder,
               std::string user_agent)
    : clock_(clock),
      handlers_(handlers),
      recorder_(recorder),
      user_agent_(std::move(user_agent)),
      self_(std::make_shared<Prober*>(this)),
      deferred_timer_(clock.NewTimer()) {}

Prober::~Prober() = default;

void Prober::Probe(const ProbeTarget& target, const api::PodStatus& status,
                   const std::string& container_id, Done done) {
  auto a = std::make_shared<Attempt>();
  a->target = &target;
  a->done = std::move(done);
  const ProbeType type = target.type;
  if (type != ProbeType::kLiveness && type != ProbeType::kReadiness &&
      type != ProbeType::kStartup) {
    // prober.go probe: an unknown probe type is Failure with `unknown probe type: "<type>"`
    // and no Unhealthy event (§4.2.1).
    a->error_event = false;
    a->attempts = kMaxProbeRetries;
    Defer(std::move(a), {probe::Result::kFailure, "",
                         "unknown probe type: \"" + std::string(ToString(type)) + "\""});
    return;
  }
  if (!target.spec) {
    // prober.go probe: a nil spec logs "Probe is nil" and is Success, no error, no event
    // (§4.2.2).
    a->attempts = kMaxProbeRetries;
    Defer(std::move(a), {probe::Result::kSuccess, "", std::nullopt});
    return;
  }
  if (target.input_error) {
    // The kubelet derives the input inside each attempt, so it fails 3 times with the same
    // error; failing once gives the same outcome and the same event.
    a->attempts = kMaxProbeRetries;
    Defer(std::move(a), {probe::Result::kUnknown, "", *target.input_error});
    return;
  }
  a->timeout = std::chrono::seconds(target.spec->timeout_seconds);
  const api::ProbeHandler& h = target.spec->handler;
  if (h.exec) {
    a->kind = Attempt::Kind::kExec;
    a->container_id = container_id;
  } else if (h.http_get) {
    // The port is already a number, so the container is not consulted (MakeProbeTarget).
    if (!target.http_request || target.http_request_pod_ip != status.pod_ip) {
      static const api::Container kNoContainer;
      auto req =
          probe::NewRequestForHTTPGetAction(*h.http_get, kNoContainer, status.pod_ip, user_agent_);
      if (!req.ok()) {
        a->attempts = kMaxProbeRetries;
        Defer(std::move(a), {probe::Result::kUnknown, "", req.error().message});
        return;
      }
      target.http_request = std::make_shared<const probe::HttpRequest>(std::move(*req));
      target.http_request_pod_ip = status.pod_ip;
    }
    a->kind = Attempt::Kind::kHttp;
    a->http = target.http_request;
  } else if (h.tcp_socket) {
    a->kind = Attempt::Kind::kTcp;
    a->host = h.tcp_socket->host.empty() ? status.pod_ip : h.tcp_socket->host;
  } else {
    a->kind = Attempt::Kind::kGrpc;
    a->host = status.pod_ip;
  }
  Run(a);
}

void Prober::Run(const std::shared_ptr<Attempt>& a) {
  ++a->attempts;
  const api::ProbeHandler& h = a->target->spec->handler;
  std::weak_ptr<Prober*> weak = self_;
  auto on_outcome = [weak, a](probe::Outcome outcome) {
    auto self = weak.lock();
    if (!self) return;  // the Prober is gone: nobody to tell
    (*self)->Finish(a, std::move(outcome));
  };
  switch (a->kind) {
    case Attempt::Kind::kHttp:
      if (handlers_.http) return handlers_.http->Probe(a->http, a->timeout, on_outcome);
      break;
    case Attempt::Kind::kTcp:
      if (handlers_.tcp) {
        return handlers_.tcp->Probe(a->host, h.tcp_socket->port.int_val, a->timeout, on_outcome);
      }
      break;
    case Attempt::Kind::kGrpc:
      if (handlers_.grpc) {
        return handlers_.grpc->Probe(a->host, h.grpc->port, h.grpc->service.value_or(""),
                                     a->timeout, on_outcome);
      }
      break;
    case Attempt::Kind::kExec:
      if (handlers_.exec) {
        return handlers_.exec->RunInContainer(
            a->container_id, a->target->exec_command, a->timeout,
            [on_outcome = std::move(on_outcome), a](probe::ExecResult r) {
              on_outcome(probe::ExecOutcome(a->target->exec_command, a->timeout, r));
            });
      }
      break;
    case Attempt::Kind::kNone:
      break;
  }
  // The manager was built without a handler of this kind: the probe cannot be run.
  a->attempts = kMaxProbeRetries;
  Defer(a, {probe::Result::kUnknown, "", "no handler for this kind of probe is configured"});
}

void Prober::Defer(std::shared_ptr<Attempt> a, probe::Outcome outcome) {
  deferred_.emplace_back(std::move(a), std::move(outcome));
  if (!deferred_timer_->armed()) deferred_timer_->Arm(clock_.Now(), [this] { RunDeferred(); });
}

void Prober::RunDeferred() {
  auto batch = std::move(deferred_);
  deferred_.clear();
  std::weak_ptr<Prober*> weak = self_;
  for (auto& [a, outcome] : batch) {
    if (weak.expired()) return;  // a `done` destroyed the Prober
    Finish(a, std::move(outcome));
  }
}

void Prober::Finish(const std::shared_ptr<Attempt>& a, probe::Outcome o) {
  // runProbeWithRetries (prober.go, maxProbeRetries = 3): only errors are retried, back to
  // back, up to 3 attempts in all; a failure is never retried (§4.2.3).
  if (o.error && a->attempts < kMaxProbeRetries) {
    Run(a);
    return;
  }
  std::string_view type = ToString(a->target->type);
  const ProbeTarget& t = *a->target;
  // The event's object, built only for an event: most probes succeed and record none, and the
  // reference is five strings.
  auto ref = [&t] {
    return api::ContainerRef(t.pod->namespace_, t.pod->name, t.pod->uid, t.container,
                             t.init_container);
  };
  ProberResult r;
  r.probe_result = o.result;
  r.output = o.error ? *o.error : o.output;
  if (o.error) {
    // prober.go probe: an error after the retries is Failure with the error, and an Unhealthy
    // event "<Type> probe errored and resulted in <result> state: <error>"; the worker
    // discards the result (§4.2.4, §3.3.11).
    if (a->error_event) {
      recorder_.Record(ref(), api::kEventWarning, kReasonUnhealthy,
                       std::string(type) + " probe errored and resulted in " +
                           std::string(probe::ToString(o.result)) + " state: " + *o.error);
    }
    r.result = CachedResult::kFailure;
    r.error = std::move(o.error);
  } else {
    switch (o.result) {
      case probe::Result::kSuccess:
        r.result = CachedResult::kSuccess;
        break;
      case probe::Result::kWarning:
        recorder_.Record(ref(), api::kEventWarning, kReasonProbeWarning,
                         std::string(type) + " probe warning: " + o.output);
        r.result = CachedResult::kSuccess;
        break;
      case probe::Result::kFailure:
        recorder_.Record(ref(), api::kEventWarning, kReasonUnhealthy,
                         std::string(type) + " probe failed: " + o.output);
        r.result = CachedResult::kFailure;
        break;
      case probe::Result::kUnknown:  // "Probe unknown without error": no event
        r.result = CachedResult::kFailure;
        break;
    }
  }
  Done done = std::move(a->done);
  done(std::move(r));
}

}  // namespace probelet::prober
