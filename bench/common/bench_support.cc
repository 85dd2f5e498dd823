#include "bench_support.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

namespace probelet::bench {
namespace {

class MeasuringTimer : public base::Timer {
 public:
  MeasuringTimer(MeasuringClock* clock, std::unique_ptr<base::Timer> inner)
      : clock_(clock), inner_(std::move(inner)) {}
  void Arm(base::MonoTime deadline, std::function<void()> fn) override {
    inner_->Arm(deadline, [c = clock_, deadline, fn = std::move(fn)] {
      if (c->recording) c->lateness_ns.push_back((c->Now() - deadline).count());
      fn();
    });
  }
  void Cancel() override { inner_->Cancel(); }
  bool armed() const override { return inner_->armed(); }

 private:
  MeasuringClock* clock_;
  std::unique_ptr<base::Timer> inner_;
};

}  // namespace

double QuantileMs(std::vector<int64_t>& ns, double q) {
  if (ns.empty()) return 0;
  const size_t k =
      std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size() - 1) + 0.5));
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
  return static_cast<double>(ns[k]) / 1e6;
}

std::unique_ptr<base::Timer> MeasuringClock::NewTimer() {
  return std::make_unique<MeasuringTimer>(this, inner_.NewTimer());
}

void NullHttpProber::Probe(probe::HttpRequestPtr, base::Duration, probe::OutcomeCallback done) {
  boost::asio::post(io_, [done = std::move(done)] {
    done(probe::Outcome{probe::Result::kSuccess, "", std::nullopt});
  });
}

api::Pod MakePod(int i, int port, int period, const std::string& path) {
  api::Pod pod;
  pod.metadata.uid = "00000000-0000-0000-0000-" + std::to_string(100000000000 + i);
  pod.metadata.name = "pod-" + std::to_string(i);
  pod.metadata.namespace_ = "default";
  pod.metadata.creation_timestamp = api::Time(std::chrono::seconds(1'800'000'000));
  pod.spec.restart_policy = "Always";
  api::Container c;
  c.name = "web";
  c.image = "nginx";
  api::Probe p;
  p.handler.http_get = api::HTTPGetAction{path, api::IntOrString::Int(port), "", "HTTP", {}};
  p.timeout_seconds = 1;
  p.period_seconds = period;
  p.success_threshold = 1;
  p.failure_threshold = 3;
  c.readiness_probe = p;
  pod.spec.containers.push_back(std::move(c));
  return pod;
}

api::PodStatus RunningStatus(const api::Pod& pod, api::Time started_at) {
  api::PodStatus s;
  s.phase = api::kPodRunning;
  s.pod_ip = "127.0.0.1";
  s.start_time = started_at;
  api::ContainerStatus c;
  c.name = "web";
  c.container_id = "probelet://" + pod.metadata.uid;
  c.state.running = api::ContainerStateRunning{started_at};
  c.started = true;
  s.container_statuses.push_back(std::move(c));
  return s;
}

}  // namespace probelet::bench
