#include "kubelet/agent.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <exception>

namespace probelet::kubelet {

Agent::Agent(boost::asio::io_context& io, base::Clock& clock, AgentOptions options)
    : io_(io),
      clock_(clock),
      runtime_(MakeRuntime(io, clock, options, process_runtime_)),
      images_(options.images),
      status_checkpoint_(
          options.status_checkpoint_dir.empty()
              ? nullptr
              : std::make_unique<PodStatusCheckpoint>(options.status_checkpoint_dir)),
      status_(clock),
      events_(clock, EventStore::kDefaultCapacity, options.node_name),
      http_(probe::NewHttpProber(io, clock)),
      tcp_(probe::NewTcpProber(io, clock)),
      grpc_(probe::NewGrpcProber(io, clock)),
      exec_(*runtime_),
      probers_(clock, status_, {http_.get(), tcp_.get(), grpc_.get(), &exec_}, events_, metrics_,
               options.prober_seed, options.probe_history),
      image_manager_(images_ != nullptr ? std::make_unique<ImageManager>(clock, *images_, events_)
                                        : nullptr),
      node_name_(options.node_name),
      kubelet_(MakeEnv(*this, std::move(options.pods_log_dir))) {
  status_.SetCheckpoint(status_checkpoint_.get());
  probers_.SetTickGrid(options.probe_tick_grid);
  // A runtime that stops answering (containerd down) is the node's problem, not one pod's: an
  // event on the node, as the kubelet reports it in the node's Ready condition. Pods keep their
  // last known state meanwhile; what the pod workers ask fails and is retried with back-off.
  runtime_->SetHealthHandler([this](bool healthy, const std::string& message) {
    api::ObjectReference node;
    node.kind = "Node";
    node.name = node_name_;
    node.uid = node_name_;
    if (healthy) {
      spdlog::info("container runtime answers again: {}", message);
      events_.Record(node, api::kEventNormal, "ContainerRuntimeReady", message);
    } else {
      spdlog::warn("container runtime unreachable: {}", message);
      events_.Record(node, api::kEventWarning, "ContainerRuntimeUnreachable", message);
    }
  });
}

Agent::~Agent() = default;

std::unique_ptr<runtime::Runtime> Agent::MakeRuntime(boost::asio::io_context& io,
                                                     base::Clock& clock, AgentOptions& options,
                                                     runtime::ProcessRuntime*& process) {
  if (options.container_runtime) {
    process = dynamic_cast<runtime::ProcessRuntime*>(options.container_runtime.get());
    return std::move(options.container_runtime);
  }
  auto made = std::make_unique<runtime::ProcessRuntime>(io, clock, options.runtime);
  process = made.get();
  return made;
}

PodWorkerEnv Agent::MakeEnv(Agent& self, std::string pods_log_dir) {
  PodWorkerEnv env;
  env.clock = &self.clock_;
  env.runtime = self.runtime_.get();
  env.probers = &self.probers_;
  env.status = &self.status_;
  env.recorder = &self.events_;
  env.http = self.http_.get();
  env.images = self.image_manager_.get();
  env.pods_log_dir = std::move(pods_log_dir);
  return env;
}

int Agent::Run() {
  for (;;) {
    // An exception that leaves a handler unwinds out of run(); the loop itself stays usable, so
    // the agent can still stop its pods with their grace instead of leaving them to the guard.
    std::string what;
    try {
      io_.run();
      return exit_code_;
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an exception of unknown type";
    }
    spdlog::error("an exception escaped the event loop ({}): stopping every pod", what);
    Stop(1);
  }
}

bool Agent::Stop(int exit_code) {
  exit_code_ = std::max(exit_code_, exit_code);
  if (stopping_) return false;
  stopping_ = true;
  kubelet_.Shutdown([this] {
    // Every pod is gone; then what the runtime still holds (a CRI runtime's leftover sandboxes).
    runtime_->Shutdown([this](base::Status removed) {
      if (!removed.ok()) {
        spdlog::warn("runtime shutdown: {}", removed.error().message);
        exit_code_ = std::max(exit_code_, 1);
      }
      if (stopped_) stopped_();
      io_.stop();
    });
  });
  return true;
}

void Agent::Detach(int exit_code) {
  if (process_runtime_ != nullptr) process_runtime_->Detach();
  // The next probelet adopts the containers and starts from these statuses.
  status_.FlushCheckpoint();
  Abort(exit_code);
}

void Agent::Abort(int exit_code) {
  exit_code_ = std::max(exit_code_, exit_code);
  io_.stop();
}

}  // namespace probelet::kubelet
