#include "sim/scripted_probers.h"

#include <charconv>

#include "api/port_resolution.h"
#include "base/go_duration.h"
#include "base/go_quote.h"

namespace probelet::sim {
namespace {

constexpr std::string_view kExecTag = "probelet-simulate/";

std::string Address(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

std::string Refused(const std::string& address) {
  return "dial tcp " + address + ": connect: connection refused";
}

}  // namespace

// Looks up the endpoint of a probe's port (or exec tag), or 0 when it is none of ours.
class ScriptedProbers::Http : public probe::HttpProber {
 public:
  explicit Http(ScriptedProbers& self) : self_(self) {}
  void Probe(probe::HttpRequestPtr request, base::Duration timeout,
             probe::OutcomeCallback done) override {
    const size_t index = static_cast<size_t>(request->port);
    Verdict v = self_.Decide(index, timeout);
    const Endpoint& e = self_.endpoints_.at(index - 1);
    // The URL as the manifest gives it: the request's, with the manifest's port.
    const std::string url =
        request->scheme + "://" + Address(request->host, e.port) + request->path_and_query;
    probe::Outcome o{probe::Result::kSuccess, "", std::nullopt};
    if (v.timed_out) {
      o = {probe::Result::kFailure,
           "Get " + base::GoQuote(url) +
               ": context deadline exceeded (Client.Timeout exceeded while awaiting headers)",
           std::nullopt};
    } else if (!v.listening) {
      o = {probe::Result::kFailure,
           "Get " + base::GoQuote(url) + ": " + Refused(Address(request->host, e.port)),
           std::nullopt};
    } else if (!v.healthy) {
      o = {probe::Result::kFailure, "HTTP probe failed with statuscode: 500", std::nullopt};
    }
    self_.later_.After(v.after, [done = std::move(done), o = std::move(o)] { done(o); });
  }
  using probe::HttpProber::Probe;

 private:
  ScriptedProbers& self_;
};

class ScriptedProbers::Tcp : public probe::TcpProber {
 public:
  explicit Tcp(ScriptedProbers& self) : self_(self) {}
  void Probe(const std::string& host, int port, base::Duration timeout,
             probe::OutcomeCallback done) override {
    Verdict v = self_.Decide(static_cast<size_t>(port), timeout);
    const std::string address = Address(host, self_.endpoints_.at(port - 1).port);
    probe::Outcome o{probe::Result::kSuccess, "", std::nullopt};
    if (v.timed_out) {
      o = {probe::Result::kFailure, "dial tcp " + address + ": i/o timeout", std::nullopt};
    } else if (!v.listening || !v.healthy) {
      o = {probe::Result::kFailure, Refused(address), std::nullopt};
    }
    self_.later_.After(v.after, [done = std::move(done), o = std::move(o)] { done(o); });
  }

 private:
  ScriptedProbers& self_;
};

class ScriptedProbers::Grpc : public probe::GrpcProber {
 public:
  explicit Grpc(ScriptedProbers& self) : self_(self) {}
  void Probe(const std::string& host, int port, const std::string& /*service*/,
             base::Duration timeout, probe::OutcomeCallback done) override {
    Verdict v = self_.Decide(static_cast<size_t>(port), timeout);
    const std::string address = Address(host, self_.endpoints_.at(port - 1).port);
    probe::Outcome o{probe::Result::kSuccess, "service healthy", std::nullopt};
    if (!v.listening) {
      // The dial blocks until the deadline (grpc.WithBlock): a refused server costs the timeout.
      v.after = timeout;
      v.timed_out = true;
    }
    if (v.timed_out) {
      o = {probe::Result::kFailure,
           v.listening
               ? "timeout: health rpc did not complete within " + base::FormatGoDuration(timeout)
               : "timeout: failed to connect service " + base::GoQuote(address) + " within " +
                     base::FormatGoDuration(timeout) + ": context deadline exceeded",
           std::nullopt};
    } else if (!v.healthy) {
      o = {probe::Result::kFailure, "service unhealthy (responded with \"NOT_SERVING\")",
           std::nullopt};
    }
    self_.later_.After(v.after, [done = std::move(done), o = std::move(o)] { done(o); });
  }

 private:
  ScriptedProbers& self_;
};

class ScriptedProbers::Exec : public prober::ContainerCommandRunner {
 public:
  explicit Exec(ScriptedProbers& self) : self_(self) {}
  void RunInContainer(const std::string& /*container_id*/, const std::vector<std::string>& argv,
                      base::Duration timeout,
                      std::function<void(probe::ExecResult)> done) override {
    size_t index = 0;
    if (!argv.empty() && argv[0].starts_with(kExecTag)) {
      std::string_view n = std::string_view(argv[0]).substr(kExecTag.size());
      std::from_chars(n.data(), n.data() + n.size(), index);
    }
    probe::ExecResult r;
    r.status = probe::ExecResult::Status::kExited;
    if (index == 0 || index > self_.endpoints_.size()) {
      self_.later_.After(base::Duration::zero(), [done = std::move(done), r] { done(r); });
      return;
    }
    Verdict v = self_.Decide(index, timeout);
    if (v.timed_out) {
      // The timeout's text names the manifest's command, not the tagged one the Prober ran.
      const Endpoint& e = self_.endpoints_[index - 1];
      probe::ExecResult t;
      t.status = probe::ExecResult::Status::kTimedOut;
      r.exit_code = 1;
      r.output = probe::ExecOutcome(e.argv, timeout, t).output;
    } else if (!v.listening || !v.healthy) {
      r.exit_code = 1;
    }
    self_.later_.After(v.after, [done = std::move(done), r] { done(r); });
  }

 private:
  ScriptedProbers& self_;
};

class ScriptedProbers::Hooks : public probe::HttpProber {
 public:
  explicit Hooks(ScriptedProbers& self) : self_(self) {}
  void Probe(probe::HttpRequestPtr /*request*/, base::Duration /*timeout*/,
             probe::OutcomeCallback done) override {
    self_.later_.After(base::Duration::zero(), [done = std::move(done)] {
      done({probe::Result::kSuccess, "", std::nullopt});
    });
  }
  using probe::HttpProber::Probe;

 private:
  ScriptedProbers& self_;
};

ScriptedProbers::ScriptedProbers(base::Clock& clock, const ScriptedRuntime& runtime)
    : clock_(clock),
      runtime_(runtime),
      later_(clock),
      http_(std::make_unique<Http>(*this)),
      tcp_(std::make_unique<Tcp>(*this)),
      grpc_(std::make_unique<Grpc>(*this)),
      exec_(std::make_unique<Exec>(*this)),
      hooks_(std::make_unique<Hooks>(*this)) {}

ScriptedProbers::~ScriptedProbers() = default;

probe::HttpProber& ScriptedProbers::http() { return *http_; }
probe::TcpProber& ScriptedProbers::tcp() { return *tcp_; }
probe::GrpcProber& ScriptedProbers::grpc() { return *grpc_; }
prober::ContainerCommandRunner& ScriptedProbers::exec() { return *exec_; }
probe::HttpProber& ScriptedProbers::hooks() { return *hooks_; }

ScriptedProbers::Verdict ScriptedProbers::Decide(size_t index, base::Duration timeout) const {
  Verdict v;
  if (index == 0 || index > endpoints_.size()) return v;  // nobody listens there
  const Endpoint& e = endpoints_[index - 1];
  const ScriptedRuntime::Instance* in = runtime_.CurrentInstance(e.pod_uid, e.container);
  if (in == nullptr) return v;
  ProbeAnswer a = Answer(*in->behaviour, e.type, clock_.Now() - in->started, in->restart);
  v.listening = a.listening;
  v.healthy = a.healthy;
  v.after = a.latency;
  if (timeout > base::Duration::zero() && a.latency >= timeout) {
    v.timed_out = true;
    v.after = timeout;
  }
  return v;
}

void ScriptedProbers::Register(api::Probe& probe, const api::Container& container,
                               const std::string& pod_uid, prober::ProbeType type,
                               base::Status& status) {
  if (endpoints_.size() >= kMaxEndpoints) {
    status = base::Error{"more than " + std::to_string(kMaxEndpoints) +
                         " probes: too many to simulate at once"};
    return;
  }
  Endpoint e;
  e.pod_uid = pod_uid;
  e.container = container.name;
  e.type = type;
  api::ProbeHandler& h = probe.handler;
  const int index = static_cast<int>(endpoints_.size()) + 1;
  auto resolve = [&](api::IntOrString& port) {
    auto resolved = api::ResolveContainerPort(port, container);
    if (!resolved.ok()) return false;  // left as is: the Prober reports it
    e.port = *resolved;
    port = api::IntOrString::Int(index);
    return true;
  };
  if (h.http_get) {
    e.kind = Endpoint::Kind::kHttp;
    if (!resolve(h.http_get->port)) return;
  } else if (h.tcp_socket) {
    e.kind = Endpoint::Kind::kTcp;
    if (!resolve(h.tcp_socket->port)) return;
  } else if (h.grpc) {
    e.kind = Endpoint::Kind::kGrpc;
    e.port = h.grpc->port;
    h.grpc->port = index;
  } else if (h.exec) {
    e.kind = Endpoint::Kind::kExec;
    e.argv = h.exec->command;
    h.exec->command.insert(h.exec->command.begin(), std::string(kExecTag) + std::to_string(index));
  } else {
    return;
  }
  endpoints_.push_back(std::move(e));
}

base::Expected<api::Pod> ScriptedProbers::Prepare(const api::Pod& pod) {
  api::Pod out = pod;
  base::Status status;
  for (auto* list : {&out.spec.init_containers, &out.spec.containers}) {
    for (api::Container& c : *list) {
      if (c.startup_probe)
        Register(*c.startup_probe, c, pod.metadata.uid, prober::ProbeType::kStartup, status);
      if (c.readiness_probe)
        Register(*c.readiness_probe, c, pod.metadata.uid, prober::ProbeType::kReadiness, status);
      if (c.liveness_probe)
        Register(*c.liveness_probe, c, pod.metadata.uid, prober::ProbeType::kLiveness, status);
    }
  }
  if (!status.ok()) return status.error();
  return out;
}

}  // namespace probelet::sim
