// FakePodSource: a PodSource holding fixed pods, events, log paths and metrics text, for the
// server's unit tests and the kubectl integration tests; plus RealisticPod(), a pod shaped like
// one the kubelet reports after a liveness restart (probes of each kind, a restart with
// lastState, conditions, events).
//
// Each pod has a revision (PodView) that SetPods and UpdatePod renew, as the status manager
// does on a change, so the API's pod JSON cache is exercised as with a real agent.
//
// Header-only so integration tests can use it without linking the server tests' helpers.
// Thread safety: all methods lock, so a test thread may change it while the server's loop
// thread reads it.
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <tuple>

#include "server/pod_source.h"

namespace probelet::server::testing {

class FakePodSource : public PodSource {
 public:
  std::vector<api::Pod> ListPods() const override {
    std::lock_guard lock(mu_);
    return pods_;
  }
  void WithPods(const std::function<void(std::span<const PodView>)>& visit) const override {
    std::lock_guard lock(mu_);
    std::vector<PodView> views;
    for (size_t i = 0; i < pods_.size(); ++i) views.push_back({&pods_[i], revisions_[i]});
    visit(views);
  }
  std::vector<api::Event> ListEvents() const override {
    std::lock_guard lock(mu_);
    return events_;
  }
  std::optional<std::string> LogPath(std::string_view ns, std::string_view pod,
                                     std::string_view container, bool previous) const override {
    std::lock_guard lock(mu_);
    auto it = logs_.find({std::string(ns), std::string(pod), std::string(container), previous});
    if (it == logs_.end()) return std::nullopt;
    return it->second;
  }
  void WriteMetrics(std::string& out) const override {
    std::lock_guard lock(mu_);
    out += metrics_;
  }

  std::vector<api::Service> ListServices() const override {
    std::lock_guard lock(mu_);
    return services_;
  }
  std::vector<api::Endpoints> ListEndpoints() const override {
    std::lock_guard lock(mu_);
    return endpoints_;
  }
  std::vector<api::EndpointSlice> ListEndpointSlices() const override {
    std::lock_guard lock(mu_);
    return slices_;
  }
  void SetServices(std::vector<api::Service> services, std::vector<api::Endpoints> endpoints,
                   std::vector<api::EndpointSlice> slices) {
    std::lock_guard lock(mu_);
    services_ = std::move(services);
    endpoints_ = std::move(endpoints);
    slices_ = std::move(slices);
  }

  void SetPods(std::vector<api::Pod> pods) {
    std::lock_guard lock(mu_);
    pods_ = std::move(pods);
    revisions_.clear();
    for (size_t i = 0; i < pods_.size(); ++i) revisions_.push_back(next_revision_++);
  }
  void SetEvents(std::vector<api::Event> events) {
    std::lock_guard lock(mu_);
    events_ = std::move(events);
  }
  void SetLogPath(std::string ns, std::string pod, std::string container, bool previous,
                  std::optional<std::string> path) {
    std::lock_guard lock(mu_);
    auto key = std::make_tuple(std::move(ns), std::move(pod), std::move(container), previous);
    if (path) {
      logs_[key] = *path;
    } else {
      logs_.erase(key);
    }
  }
  void SetMetrics(std::string text) {
    std::lock_guard lock(mu_);
    metrics_ = std::move(text);
  }
  // The probe workers: ListProbeWorkers selects, orders, pages and cuts their attempts as the
  // prober manager does.
  std::vector<prober::ProbeWorkerStatus> ListProbeWorkers(
      const prober::ProbeWorkerQuery& q) const override {
    std::lock_guard lock(mu_);
    std::vector<prober::ProbeWorkerStatus> out;
    for (const auto& w : probe_workers_) {
      if (!q.Selects(prober::KeyOf(w))) continue;
      prober::ProbeWorkerStatus copy = w;
      copy.attempts.clear();
      for (size_t i = w.attempts.size(); i > 0 && copy.attempts.size() < q.attempts; --i) {
        if (std::chrono::floor<std::chrono::microseconds>(w.attempts[i - 1].start) <= q.since) {
          break;
        }
        copy.attempts.insert(copy.attempts.begin(), w.attempts[i - 1]);
      }
      out.push_back(std::move(copy));
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return prober::KeyOf(a) < prober::KeyOf(b); });
    if (out.size() > q.limit) out.resize(q.limit);
    return out;
  }
  void SetProbeWorkers(std::vector<prober::ProbeWorkerStatus> workers) {
    std::lock_guard lock(mu_);
    probe_workers_ = std::move(workers);
  }

  // Applies `fn` to the pod named `name` (tests change its status mid-run).
  template <typename Fn>
  void UpdatePod(std::string_view name, Fn fn) {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < pods_.size(); ++i) {
      if (pods_[i].metadata.name != name) continue;
      fn(pods_[i]);
      revisions_[i] = next_revision_++;
    }
  }

 private:
  mutable std::mutex mu_;
  std::vector<api::Pod> pods_;
  std::vector<uint64_t> revisions_;  // of pods_, one each
  uint64_t next_revision_ = 1;
  std::vector<api::Event> events_;
  std::vector<api::Service> services_;
  std::vector<api::Endpoints> endpoints_;
  std::vector<api::EndpointSlice> slices_;
  std::map<std::tuple<std::string, std::string, std::string, bool>, std::string> logs_;
  std::string metrics_;
  std::vector<prober::ProbeWorkerStatus> probe_workers_;
};

inline api::Probe HttpGetProbe(std::string path, int32_t port) {
  api::Probe p;
  api::HTTPGetAction a;
  a.path = std::move(path);
  a.port = api::IntOrString::Int(port);
  a.scheme = "HTTP";
  p.handler.http_get = a;
  p.timeout_seconds = 1;
  p.period_seconds = 10;
  p.success_threshold = 1;
  p.failure_threshold = 3;
  return p;
}

// Pod "web" in "default", created 45m30s before `now`: container "web" (liveness http-get
// :8080/healthz, readiness tcp :8080, startup exec) restarted twice, the last time 12m30s ago
// after a liveness kill (exit 137), running and ready; container "sidecar" running, not ready
// (readiness http-get /ready on the named port "admin"). Every age is 10 min or more and
// half a minute from a whole minute, so what kubectl prints for it ("45m", "2 (12m ago)")
// stays the same for 30 s either side: tests stay exact on slow (sanitizer) runs.
inline api::Pod RealisticPod(api::Time now) {
  using std::chrono::minutes;
  using std::chrono::seconds;
  const api::Time kCreated = now - minutes(45) - seconds(30);
  api::Pod pod;
  pod.metadata.name = "web";
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = "6f1c2a3e-0d4b-4c55-9a1e-2b7c8d9e0f11";
  pod.metadata.labels = {{"app", "web"}, {"tier", "frontend"}};
  pod.metadata.creation_timestamp = kCreated;
  pod.spec.restart_policy = "Always";
  pod.spec.termination_grace_period_seconds = 30;

  api::Container web;
  web.name = "web";
  web.image = "registry.local/web:1.4";
  web.command = {"/usr/bin/python3", "-m", "http.server", "8080"};
  web.ports = {{"http", 8080, "TCP"}};
  web.env = {{"MODE", "production", std::nullopt}};
  web.liveness_probe = HttpGetProbe("/healthz", 8080);
  api::Probe readiness;
  readiness.handler.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(8080), ""};
  readiness.initial_delay_seconds = 5;
  readiness.timeout_seconds = 1;
  readiness.period_seconds = 5;
  readiness.success_threshold = 1;
  readiness.failure_threshold = 3;
  web.readiness_probe = readiness;
  api::Probe startup;
  startup.handler.exec = api::ExecAction{{"cat", "/tmp/started"}};
  startup.timeout_seconds = 1;
  startup.period_seconds = 2;
  startup.success_threshold = 1;
  startup.failure_threshold = 30;
  web.startup_probe = startup;

  api::Container sidecar;
  sidecar.name = "sidecar";
  sidecar.image = "registry.local/sidecar:2";
  sidecar.ports = {{"admin", 9090, "TCP"}};
  api::Probe side_ready = HttpGetProbe("/ready", 0);
  side_ready.handler.http_get->port = api::IntOrString::String("admin");
  side_ready.period_seconds = 3;
  sidecar.readiness_probe = side_ready;
  pod.spec.containers = {web, sidecar};

  api::PodStatus& st = pod.status;
  st.phase = api::kPodRunning;
  st.host_ip = "127.0.0.1";
  st.pod_ip = "127.0.0.1";
  st.pod_ips = {{"127.0.0.1"}};
  st.start_time = kCreated;
  auto condition = [&](std::string type, std::string status, api::Time t) {
    api::PodCondition c;
    c.type = std::move(type);
    c.status = std::move(status);
    c.last_transition_time = t;
    return c;
  };
  st.conditions = {condition("PodReadyToStartContainers", "True", kCreated),
                   condition("Initialized", "True", kCreated),
                   condition("Ready", "False", now - minutes(12) - seconds(28)),
                   condition("ContainersReady", "False", now - minutes(12) - seconds(28)),
                   condition("PodScheduled", "True", kCreated)};
  st.conditions[2].reason = "ContainersNotReady";
  st.conditions[2].message = "containers with unready status: [sidecar]";
  st.conditions[3].reason = "ContainersNotReady";
  st.conditions[3].message = "containers with unready status: [sidecar]";

  api::ContainerStatus ws;
  ws.name = "web";
  ws.image = web.image;
  ws.image_id = web.image;
  ws.container_id = "probelet://" + std::string(64, 'a');
  ws.ready = true;
  ws.started = true;
  ws.restart_count = 2;
  ws.state.running = api::ContainerStateRunning{now - minutes(12) - seconds(28)};
  api::ContainerStateTerminated last;
  last.exit_code = 137;
  last.reason = "Error";
  last.started_at = now - minutes(20) - seconds(30);
  last.finished_at = now - minutes(12) - seconds(30);
  last.container_id = "probelet://" + std::string(64, 'b');
  ws.last_state.terminated = last;

  api::ContainerStatus ss;
  ss.name = "sidecar";
  ss.image = sidecar.image;
  ss.image_id = sidecar.image;
  ss.container_id = "probelet://" + std::string(64, 'c');
  ss.ready = false;
  ss.started = true;
  ss.state.running = api::ContainerStateRunning{kCreated};
  st.container_statuses = {ws, ss};
  return pod;
}

// The events the kubelet records for RealisticPod's history.
inline std::vector<api::Event> RealisticEvents(const api::Pod& pod, api::Time now) {
  using std::chrono::minutes;
  using std::chrono::seconds;
  auto event = [&](std::string name, std::string container, std::string_view type,
                   std::string reason, std::string message, int32_t count, api::Time first,
                   api::Time last) {
    api::Event e;
    e.name = pod.metadata.name + "." + name;
    e.involved_object = api::ContainerRef(pod.metadata.namespace_, pod.metadata.name,
                                          pod.metadata.uid, container, false);
    e.type = std::string(type);
    e.reason = std::move(reason);
    e.message = std::move(message);
    e.count = count;
    e.first_timestamp = first;
    e.last_timestamp = last;
    e.source_host = "probelet-host";
    return e;
  };
  return {
      event("17a0000000000001", "web", api::kEventNormal, "Started", "Started container web", 3,
            now - minutes(45) - seconds(30), now - minutes(12) - seconds(28)),
      event("17a0000000000002", "web", api::kEventWarning, "Unhealthy",
            "Liveness probe failed: HTTP probe failed with statuscode: 500", 6,
            now - minutes(30) - seconds(30), now - minutes(12) - seconds(40)),
      event("17a0000000000003", "web", api::kEventNormal, "Killing",
            "Container web failed liveness probe, will be restarted", 2,
            now - minutes(25) - seconds(30), now - minutes(12) - seconds(30)),
      event("17a0000000000004", "sidecar", api::kEventWarning, "Unhealthy",
            "Readiness probe failed: HTTP probe failed with statuscode: 503", 20,
            now - minutes(40) - seconds(30), now - minutes(10) - seconds(30)),
  };
}

}  // namespace probelet::server::testing
