#include "kubelet/kuberuntime_container.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "kubelet/grace_period.h"
#include "probe/http_request.h"

namespace probelet::kubelet {
namespace {

using std::chrono::seconds;

// The spec of the pod's container `name` and whether it is an init container; null when the
// pod has no such container.
const api::Container* FindSpec(const api::Pod& pod, std::string_view name, bool* init) {
  for (const auto& c : pod.spec.init_containers) {
    if (c.name == name) {
      *init = true;
      return &c;
    }
  }
  for (const auto& c : pod.spec.containers) {
    if (c.name == name) {
      *init = false;
      return &c;
    }
  }
  return nullptr;
}

}  // namespace

ContainerKiller::ContainerKiller(const api::Pod& pod, base::Clock& clock, runtime::Runtime& runtime,
                                 api::EventRecorder& recorder, probe::HttpProber* http,
                                 std::string pod_ip)
    : pod_(pod),
      clock_(clock),
      runtime_(runtime),
      recorder_(recorder),
      http_(http),
      pod_ip_(std::move(pod_ip)) {}

ContainerKiller::~ContainerKiller() = default;

void ContainerKiller::Post(std::function<void()> fn) {
  // Timers that have fired are dropped here (possibly the one whose callback is running:
  // a clock moves the callback out before running it, so that is allowed).
  std::erase_if(posted_, [](const auto& t) { return !t->armed(); });
  posted_.push_back(clock_.NewTimer());
  posted_.back()->Arm(clock_.Now(), std::move(fn));
}

void ContainerKiller::KillContainers(const std::vector<ContainerToKill>& kills, Done done) {
  if (kills.empty()) {
    Post([done = std::move(done)] { done(base::Status::Ok()); });
    return;
  }
  struct Join {
    size_t left;
    base::Status first_error;
    Done done;
  };
  auto join = std::make_shared<Join>(Join{kills.size(), base::Status::Ok(), std::move(done)});
  for (const auto& k : kills) {
    KillContainer(k, [join](base::Status status) {
      if (!status.ok() && join->first_error.ok()) join->first_error = std::move(status);
      if (--join->left == 0) join->done(std::move(join->first_error));
    });
  }
}

void ContainerKiller::KillContainer(const ContainerToKill& kill, Done done) {
  // A container already being stopped is not stopped twice (no second Killing event, no second
  // preStop hook): this kill completes with the first.
  if (auto it = stopping_.find(kill.container_id); it != stopping_.end()) {
    it->second.push_back(std::move(done));
    return;
  }
  bool init = false;
  const api::Container* found = FindSpec(pod_, kill.name, &init);
  if (found == nullptr) {
    // Kills come from the pod's own spec; a name it does not have is a caller's bug, reported
    // as a failed kill rather than ending the process.
    std::string message = "no container " + kill.name + " in pod " + pod_.metadata.name;
    Post([done = std::move(done), message] { done(base::Error{message}); });
    return;
  }
  const api::Container& spec = *found;
  stopping_[kill.container_id].push_back(std::move(done));
  api::ObjectReference ref = api::ContainerRef(pod_.metadata.namespace_, pod_.metadata.name,
                                               pod_.metadata.uid, spec.name, init);
  int64_t grace = TerminationGracePeriodSeconds(pod_, spec, kill.reason);
  recorder_.Record(ref, api::kEventNormal, "Killing",
                   kill.message.empty() ? "Stopping container " + kill.name : kill.message);
  base::MonoTime start = clock_.Now();
  std::weak_ptr<int> alive = alive_;
  std::string id = kill.container_id;
  auto stop = [this, alive, id, grace, start] {
    if (alive.expired()) return;
    base::Duration grace_left = GraceAfterPreStop(grace, clock_.Now() - start);
    runtime_.StopContainer(id, grace_left, [this, alive, id](base::Status status) {
      if (alive.expired()) return;
      auto waiters = std::move(stopping_[id]);
      stopping_.erase(id);
      for (auto& w : waiters) w(status);
    });
    if (kill_observer_) kill_observer_(id);
  };
  // killContainer (kuberuntime_container.go): the preStop hook runs first when the grace period
  // is > 0, and its time comes out of the grace period (§6.3.4).
  if (spec.lifecycle && spec.lifecycle->pre_stop && grace > 0) {
    RunPreStop(spec, ref, id, grace, std::move(stop));
  } else {
    stop();
  }
}

void ContainerKiller::RunPreStop(const api::Container& spec, const api::ObjectReference& ref,
                                 const std::string& id, int64_t grace_seconds,
                                 std::function<void()> done) {
  const api::LifecycleHandler& hook = *spec.lifecycle->pre_stop;
  std::weak_ptr<int> alive = alive_;
  base::Duration limit = seconds(grace_seconds);
  // The hook never holds the kill up for longer than the grace period (executePreStopHook).
  auto fail = [this, alive, ref] {
    if (alive.expired()) return;
    // The kubelet leaves the hook's output out of the event (it may hold secrets).
    recorder_.Record(ref, api::kEventWarning, "FailedPreStopHook", "PreStopHook failed");
  };
  if (hook.exec) {
    runtime_.ExecSync(
        id, hook.exec->command, limit, [alive, fail, done](runtime::ExecSyncResult res) {
          if (alive.expired()) return;
          if (res.status != runtime::ExecSyncResult::Status::kExited || res.exit_code != 0) {
            fail();
          }
          done();
        });
    return;
  }
  if (hook.http_get) {
    auto req = probe::NewRequestForHTTPGetAction(*hook.http_get, spec, pod_ip_,
                                                 probe::kLifecycleUserAgent);
    if (!req.ok() || http_ == nullptr) {
      fail();
      done();
      return;
    }
    http_->Probe(*req, limit, [alive, fail, done](probe::Outcome outcome) {
      if (alive.expired()) return;
      if (outcome.result == probe::Result::kFailure || outcome.result == probe::Result::kUnknown) {
        fail();
      }
      done();
    });
    return;
  }
  if (hook.sleep) {
    base::Duration d = std::min<base::Duration>(seconds(hook.sleep->seconds), limit);
    std::erase_if(hook_timers_, [](const auto& kv) { return !kv.second->armed(); });
    auto& timer = hook_timers_[id];
    timer = clock_.NewTimer();
    timer->Arm(clock_.Now() + d, std::move(done));
    return;
  }
  // tcpSocket hooks are deprecated and not run by the kubelet.
  done();
}

}  // namespace probelet::kubelet
