#include "testing/grpc_health_server.h"

#include <condition_variable>
#include <map>
#include <mutex>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "grpcpp/server_context.h"

namespace probelet::testing {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

struct GrpcHealthServer::Impl final : grpc::health::v1::Health::Service {
  grpc::Status Check(grpc::ServerContext* context, const HealthCheckRequest* request,
                     HealthCheckResponse* response) override {
    std::unique_lock lock(mu);
    ++checks;
    auto ua = context->client_metadata().find("user-agent");
    if (ua != context->client_metadata().end()) {
      last_user_agent.assign(ua->second.data(), ua->second.size());
    }
    if (delay.count() > 0) cv.wait_for(lock, delay, [&] { return stopping; });
    auto it = modes.find(request->service());
    Mode mode = it == modes.end() ? Mode::kServiceUnknown : it->second;
    switch (mode) {
      case Mode::kServing:
        response->set_status(HealthCheckResponse::SERVING);
        break;
      case Mode::kNotServing:
        response->set_status(HealthCheckResponse::NOT_SERVING);
        break;
      case Mode::kUnknown:
        response->set_status(HealthCheckResponse::UNKNOWN);
        break;
      case Mode::kServiceUnknown:
        response->set_status(HealthCheckResponse::SERVICE_UNKNOWN);
        break;
      case Mode::kUnimplemented:
        // What a server without the Health service answers (grpc-go's wording).
        return {grpc::StatusCode::UNIMPLEMENTED, "unknown service grpc.health.v1.Health"};
    }
    return grpc::Status::OK;
  }

  mutable std::mutex mu;
  std::condition_variable cv;
  std::map<std::string, Mode> modes{{"", Mode::kServing}};
  std::chrono::milliseconds delay{0};
  std::string last_user_agent;
  int checks = 0;
  bool stopping = false;
  int port = 0;
  std::unique_ptr<grpc::Server> server;
};

GrpcHealthServer::GrpcHealthServer() : impl_(std::make_unique<Impl>()) {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &impl_->port);
  builder.RegisterService(impl_.get());
  impl_->server = builder.BuildAndStart();
  if (!impl_->server || impl_->port == 0) std::abort();  // a test server that did not start
}

GrpcHealthServer::~GrpcHealthServer() { Stop(); }

int GrpcHealthServer::port() const { return impl_->port; }
std::string GrpcHealthServer::address() const { return "127.0.0.1:" + std::to_string(impl_->port); }

void GrpcHealthServer::SetMode(const std::string& service, Mode mode) {
  std::lock_guard lock(impl_->mu);
  impl_->modes[service] = mode;
}

void GrpcHealthServer::SetDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(impl_->mu);
  impl_->delay = delay;
}

std::string GrpcHealthServer::last_user_agent() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_user_agent;
}

int GrpcHealthServer::checks() const {
  std::lock_guard lock(impl_->mu);
  return impl_->checks;
}

void GrpcHealthServer::Stop() {
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  impl_->server->Wait();
}

}  // namespace probelet::testing
