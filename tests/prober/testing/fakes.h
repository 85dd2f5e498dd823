// Fakes for the prober's collaborators: an in-memory StatusProvider, an event recorder that
// keeps what it is given, and probe handlers whose outcomes the test scripts. Handlers
// complete on a zero-delay (or scripted-delay) VirtualClock timer, never inside Probe(), as
// the real ones do.
//
// Single-threaded, like the code under test.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "api/event.h"
#include "api/pod_status.h"
#include "base/virtual_clock.h"
#include "probe/probers.h"
#include "prober/container_command_runner.h"
#include "prober/status_provider.h"

namespace probelet::prober::testing {

class FakeStatusProvider : public StatusProvider {
 public:
  const api::PodStatus* GetPodStatus(std::string_view pod_uid) const override {
    auto it = statuses_.find(std::string(pod_uid));
    return it == statuses_.end() ? nullptr : &it->second;
  }
  void Set(const std::string& pod_uid, api::PodStatus status) {
    statuses_[pod_uid] = std::move(status);
  }
  api::PodStatus* Mutable(const std::string& pod_uid) {
    auto it = statuses_.find(pod_uid);
    return it == statuses_.end() ? nullptr : &it->second;
  }
  void Remove(const std::string& pod_uid) { statuses_.erase(pod_uid); }

 private:
  std::map<std::string, api::PodStatus> statuses_;
};

class FakeEventRecorder : public api::EventRecorder {
 public:
  struct Recorded {
    api::ObjectReference object;
    std::string type, reason, message;
  };
  void Record(const api::ObjectReference& object, std::string_view type, std::string_view reason,
              std::string message) override {
    events.push_back({object, std::string(type), std::string(reason), std::move(message)});
  }
  // "<Type> <Reason> <Message>", the kubelet's FakeRecorder format (T24).
  std::vector<std::string> Strings() const {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.type + " " + e.reason + " " + e.message);
    return out;
  }
  std::vector<Recorded> events;
};

// The scripted core shared by the fake handlers: a queue of outcomes (then a default), a
// delay per probe, and a record of every call.
class ScriptedHandler {
 public:
  explicit ScriptedHandler(base::Clock& clock) : clock_(clock) {}
  // Outcomes for the next probes, in order; after them, `default_outcome`.
  std::deque<probe::Outcome> script;
  probe::Outcome default_outcome{probe::Result::kSuccess, "", std::nullopt};
  base::Duration delay{0};  // virtual time each probe takes
  int calls = 0;
  int in_flight = 0;
  int max_in_flight = 0;
  std::vector<base::MonoTime> start_times;

  void SetResult(probe::Result r, std::string output = "") {
    script.clear();
    default_outcome = {r, std::move(output), std::nullopt};
  }
  void SetError(std::string error, probe::Result r = probe::Result::kUnknown) {
    script.clear();
    default_outcome = {r, "", std::move(error)};
  }

 protected:
  void Complete(std::function<void(probe::Outcome)> done);

 private:
  base::Clock& clock_;
  std::vector<std::unique_ptr<base::Timer>> timers_;
};

class FakeHttpProber : public probe::HttpProber, public ScriptedHandler {
 public:
  using probe::HttpProber::Probe;
  using ScriptedHandler::ScriptedHandler;
  void Probe(probe::HttpRequestPtr request, base::Duration timeout,
             probe::OutcomeCallback done) override {
    requests.push_back(*request);
    timeouts.push_back(timeout);
    Complete(std::move(done));
  }
  std::vector<probe::HttpRequest> requests;
  std::vector<base::Duration> timeouts;
};

class FakeTcpProber : public probe::TcpProber, public ScriptedHandler {
 public:
  using ScriptedHandler::ScriptedHandler;
  void Probe(const std::string& host, int port, base::Duration timeout,
             probe::OutcomeCallback done) override {
    targets.emplace_back(host, port);
    (void)timeout;
    Complete(std::move(done));
  }
  std::vector<std::pair<std::string, int>> targets;
};

class FakeGrpcProber : public probe::GrpcProber, public ScriptedHandler {
 public:
  using ScriptedHandler::ScriptedHandler;
  void Probe(const std::string& host, int port, const std::string& service, base::Duration timeout,
             probe::OutcomeCallback done) override {
    targets.emplace_back(host + ":" + std::to_string(port), service);
    (void)timeout;
    Complete(std::move(done));
  }
  std::vector<std::pair<std::string, std::string>> targets;
};

// Exec through a container: records container IDs and argv; the outcome is scripted as an
// ExecResult (exit 0 / 1) derived from the scripted Result, or given directly.
class FakeCommandRunner : public ContainerCommandRunner, public ScriptedHandler {
 public:
  using ScriptedHandler::ScriptedHandler;
  void RunInContainer(const std::string& container_id, const std::vector<std::string>& argv,
                      base::Duration timeout, std::function<void(probe::ExecResult)> done) override;
  std::vector<std::string> container_ids;
  std::vector<std::vector<std::string>> argvs;
};

}  // namespace probelet::prober::testing
