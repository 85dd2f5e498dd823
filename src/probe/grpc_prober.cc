// The kubelet's gRPC prober (pkg/probe/grpc/grpc.go, grpcProber.Probe; §5.5):
// grpc.health.v1.Health/Check over plaintext, user agent kDefaultUserAgent (kube-probe/1.35), one
// deadline covering the connection and the RPC, and every outcome a failure or success with the
// kubelet's exact text (it mimics grpc_health_probe; no error is ever returned, §4.2.5).
//
// How it maps the kubelet's Go code onto gRPC C++:
//  - A fresh channel per probe, with a local subchannel pool, so each probe opens its own
//    connection as the kubelet's per-probe grpc.DialContext does (a shared pool would reuse
//    another probe's connection and hide a server that stopped accepting).
//  - The kubelet dials with WithBlock() under the probe deadline, then calls Check under the same
//    deadline. Here the Check is issued at once with wait_for_ready and that deadline, which
//    waits for the connection in the same way. When it ends with DEADLINE_EXCEEDED, the
//    channel's state tells which half timed out: never READY means the dial timed out
//    ("timeout: failed to connect service ..."), else the RPC did.
//  - The callback API runs the completion on a gRPC thread; it only posts the Outcome to the
//    io_context (base::CompletionBridge), so the probe's state lives and ends on the loop
//    thread. No thread per probe.
//  - Not mirrored: the kubelet's ProbeDialer (dialer_others.go), which grpc.go's context
//    dialer uses, sets SO_LINGER 1 s on this socket (§5.1.4);
//    gRPC C++ exposes socket mutators only through internal headers, so the socket closes
//    with the kernel default.
#include <boost/asio/io_context.hpp>
#include <list>
#include <memory>
#include <string>
#include <utility>

#include "base/clock.h"
#include "base/completion_bridge.h"
#include "base/go_duration.h"
#include "base/go_grpc_status.h"
#include "base/go_quote.h"
#include "base/host_port.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpc/support/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "probe/probers.h"

namespace probelet::probe {
namespace {

namespace asio = boost::asio;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

// grpc-go's status error text: "rpc error: code = Unavailable desc = ...".
std::string GoStatusError(const grpc::Status& s) {
  return base::GoStatusError(static_cast<int>(s.error_code()), s.error_message());
}

// One probe. Created and finished on the loop thread; gRPC's thread only posts its result.
struct Call {
  std::string addr;  // as the kubelet prints it (host:port, ":port" when host is empty)
  base::Duration timeout{};
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<grpc::health::v1::Health::Stub> stub;
  grpc::ClientContext context;
  HealthCheckRequest request;
  HealthCheckResponse response;
  OutcomeCallback done;
  std::unique_ptr<base::Timer> timer;
  bool finished = false;  // delivered, or cancelled by the prober's destruction
};

// grpcProber.Probe's texts for a deadline hit, by which half it hit (grpc.go, §5.5.5): in the
// dial `timeout: failed to connect service "<addr>" within <t>: <err>`, in the RPC
// `timeout: health rpc did not complete within <t>`.
std::string DeadlineOutput(const Call& call, bool connected) {
  std::string within = base::FormatGoDuration(call.timeout);
  if (!connected) {
    // grpc.DialContext(WithBlock) hit the deadline (T45: ":32" within 1s).
    return "timeout: failed to connect service " + base::GoQuote(call.addr) + " within " + within +
           ": context deadline exceeded";
  }
  return "timeout: health rpc did not complete within " + within;
}

Outcome MapStatus(const Call& call, const grpc::Status& status, bool connected) {
  Outcome o;
  o.result = Result::kFailure;
  if (!status.ok()) {
    switch (status.error_code()) {
      case grpc::StatusCode::DEADLINE_EXCEEDED:
        o.output = DeadlineOutput(call, connected);
        break;
      case grpc::StatusCode::UNAVAILABLE:
        if (!connected) {
          // The RPC waits for the connection (wait_for_ready), so this is a channel that can
          // never connect (a bad target): the kubelet's "other dial failure".
          o.output = "error: failed to connect service at " + base::GoQuote(call.addr) + ": " +
                     GoStatusError(status);
        } else {
          o.output = "error: health rpc probe failed: " + GoStatusError(status);
        }
        break;
      case grpc::StatusCode::UNIMPLEMENTED:
        o.output =
            "error: this server does not implement the grpc health protocol "
            "(grpc.health.v1.Health): " +
            status.error_message();
        break;
      default:
        o.output = "error: health rpc probe failed: " + GoStatusError(status);
        break;
    }
    return o;
  }
  if (call.response.status() != HealthCheckResponse::SERVING) {
    o.output = "service unhealthy (responded with " +
               base::GoQuote(HealthCheckResponse::ServingStatus_Name(call.response.status())) + ")";
    return o;
  }
  o.result = Result::kSuccess;
  o.output = "service healthy";
  return o;
}

class GrpcProberImpl : public GrpcProber {
 public:
  GrpcProberImpl(asio::io_context& io, base::Clock& clock) : clock_(clock), bridge_(io) {}

  ~GrpcProberImpl() override {
    for (auto& call : calls_) {
      call->finished = true;
      call->timer.reset();
      call->context.TryCancel();
    }
    // bridge_'s destructor then waits (briefly: the calls are cancelled) until gRPC has run
    // every callback, so none posts to an io_context that may be gone after us.
  }

  void Probe(const std::string& host, int port, const std::string& service, base::Duration timeout,
             OutcomeCallback done) override {
    auto call = std::make_shared<Call>();
    call->addr = base::JoinHostPort(host, port);
    call->timeout = timeout;
    call->done = std::move(done);
    // grpc.go dials podIP:port; with an empty pod IP that is ":port", which Go dials as the
    // local host (§5.1.3, §9.14 d).
    std::string target = base::JoinHostPort(host.empty() ? "127.0.0.1" : host, port);

    grpc::ChannelArguments args;
    args.SetUserAgentPrefix(std::string(kDefaultUserAgent));
    args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    call->channel = grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
    call->stub = grpc::health::v1::Health::NewStub(call->channel);
    call->request.set_service(service);
    call->context.set_wait_for_ready(true);
    // A relative (GPR_TIMESPAN) deadline: gRPC anchors it on its own clock at the call.
    call->context.set_deadline(gpr_time_from_micros(
        std::chrono::duration_cast<std::chrono::microseconds>(timeout).count(), GPR_TIMESPAN));
    calls_.push_back(call);
    auto it = std::prev(calls_.end());
    // gRPC enforces the deadline too, but its timer can fire ~100 ms late on a call that waits
    // for a connection; the loop's own timer ends the probe on time and cancels the RPC.
    call->timer = clock_.NewTimer();
    call->timer->Arm(clock_.Now() + timeout, [this, c = call.get(), it] {
      bool connected = c->channel->GetState(false) == GRPC_CHANNEL_READY;
      c->context.TryCancel();
      Outcome o;
      o.result = Result::kFailure;
      o.output = DeadlineOutput(*c, connected);
      Finish(*c, it, std::move(o));
    });
    // Runs on a gRPC thread (or inline): reads what it must there, then only posts.
    call->stub->async()->Check(
        &call->context, &call->request, &call->response,
        [this, call, it, completion = bridge_.Begin()](grpc::Status status) mutable {
          // The channel state is read here, before anything can tear it down.
          bool ready = call->channel->GetState(false) == GRPC_CHANNEL_READY;
          // The Call moves to the loop: it is destroyed there, never on gRPC's thread.
          completion.Post([this, call = std::move(call), it, status = std::move(status), ready] {
            if (call->finished) return;
            Finish(*call, it, MapStatus(*call, status, ready));
          });
        });
  }

 private:
  void Finish(Call& call, std::list<std::shared_ptr<Call>>::iterator it, Outcome o) {
    auto self = *it;  // keep the Call alive through `done`
    call.finished = true;
    call.timer->Cancel();
    calls_.erase(it);
    auto done = std::move(call.done);
    done(std::move(o));
  }

  base::Clock& clock_;
  std::list<std::shared_ptr<Call>> calls_;
  // Last: destroyed first, it waits for gRPC's callbacks while the calls are still here.
  base::CompletionBridge bridge_;
};

}  // namespace

std::unique_ptr<GrpcProber> NewGrpcProber(asio::io_context& io, base::Clock& clock) {
  return std::make_unique<GrpcProberImpl>(io, clock);
}

}  // namespace probelet::probe
