// CriClient over gRPC's callback API. Each call is one heap object (request, response,
// ClientContext, callback) shared by the loop and gRPC: gRPC's completion only posts the object
// back to the io_context (base::CompletionBridge, shared with the gRPC prober), where the result
// is delivered; so the call's state lives and ends on the loop thread, and no thread waits on an
// RPC.
#include "runtime/cri/cri_client.h"

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <list>

#include "base/completion_bridge.h"
#include "grpc/support/time.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "runtime/cri/api.grpc.pb.h"

namespace probelet::runtime::cri {
namespace {

namespace asio = boost::asio;

// The kubelet's limits (remote_runtime.go: maxMsgSize 16 MiB; back-off base 100 ms, max 3 s).
constexpr int kMaxMessageBytes = 16 << 20;
constexpr int kInitialReconnectBackoffMs = 100;
constexpr int kMaxReconnectBackoffMs = 3000;

// The loop's part of a call, whatever its types.
struct CallBase {
  virtual ~CallBase() = default;
  grpc::ClientContext context;
  bool cancelled = false;  // loop thread only: set by the client's destruction
};

template <typename Request, typename Response>
struct Call : CallBase {
  Request request;
  Response response;
  RpcCallback<Response> done;
};

// A relative (GPR_TIMESPAN) deadline: gRPC anchors it on its own clock when the call starts.
gpr_timespec DeadlineIn(base::Duration timeout) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(timeout).count();
  return gpr_time_from_micros(us > 0 ? us : 0, GPR_TIMESPAN);
}

class GrpcCriClient : public CriClient {
 public:
  GrpcCriClient(asio::io_context& io, std::string endpoint)
      : endpoint_(std::move(endpoint)), bridge_(io) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(kMaxMessageBytes);
    args.SetMaxSendMessageSize(kMaxMessageBytes);
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, kInitialReconnectBackoffMs);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, kMaxReconnectBackoffMs);
    channel_ = grpc::CreateCustomChannel(endpoint_, grpc::InsecureChannelCredentials(), args);
    runtime_ = v1::RuntimeService::NewStub(channel_);
    image_ = v1::ImageService::NewStub(channel_);
  }

  ~GrpcCriClient() override {
    for (auto& call : calls_) {
      call->cancelled = true;
      call->context.TryCancel();
    }
    // Cancelled calls complete at once; bridge_'s destructor then waits until gRPC has run
    // every completion (which only posts), so none can reach an io_context that may go right
    // after us.
  }

  const std::string& endpoint() const override { return endpoint_; }
  std::size_t pending() const override { return calls_.size(); }

// One method per RPC: the stub's callback-API overload is picked in a lambda (a member pointer
// would be ambiguous with the reactor overload).
#define PROBELET_CRI_CALL(stub, Method)                                                       \
  void Method(v1::Method##Request request, base::Duration timeout,                            \
              RpcCallback<v1::Method##Response> done) override {                              \
    Start<v1::Method##Request, v1::Method##Response>(                                         \
        std::move(request), timeout, std::move(done),                                         \
        [this](grpc::ClientContext* c, const v1::Method##Request* q, v1::Method##Response* r, \
               std::function<void(grpc::Status)> f) {                                         \
          stub->async()->Method(c, q, r, std::move(f));                                       \
        });                                                                                   \
  }
  PROBELET_CRI_CALL(runtime_, Version)
  PROBELET_CRI_CALL(runtime_, Status)
  PROBELET_CRI_CALL(runtime_, RunPodSandbox)
  PROBELET_CRI_CALL(runtime_, StopPodSandbox)
  PROBELET_CRI_CALL(runtime_, RemovePodSandbox)
  PROBELET_CRI_CALL(runtime_, PodSandboxStatus)
  PROBELET_CRI_CALL(runtime_, ListPodSandbox)
  PROBELET_CRI_CALL(runtime_, CreateContainer)
  PROBELET_CRI_CALL(runtime_, StartContainer)
  PROBELET_CRI_CALL(runtime_, StopContainer)
  PROBELET_CRI_CALL(runtime_, RemoveContainer)
  PROBELET_CRI_CALL(runtime_, ListContainers)
  PROBELET_CRI_CALL(runtime_, ContainerStatus)
  PROBELET_CRI_CALL(runtime_, ExecSync)
  PROBELET_CRI_CALL(image_, ImageStatus)
  PROBELET_CRI_CALL(image_, PullImage)
#undef PROBELET_CRI_CALL

 private:
  using CallList = std::list<std::shared_ptr<CallBase>>;

  template <typename Request, typename Response, typename StartRpc>
  void Start(Request request, base::Duration timeout, RpcCallback<Response> done,
             StartRpc start_rpc) {
    auto call = std::make_shared<Call<Request, Response>>();
    call->request = std::move(request);
    call->done = std::move(done);
    call->context.set_deadline(DeadlineIn(timeout));
    calls_.push_back(call);
    auto it = std::prev(calls_.end());
    // Runs on a gRPC thread, or inline in start_rpc or TryCancel: it only posts, then lets go.
    auto on_done = [this, call, it, completion = bridge_.Begin()](grpc::Status status) mutable {
      completion.Post([this, call = std::move(call), it, status = std::move(status)] {
        if (call->cancelled) return;
        Finish(*call, it, status);
      });
    };
    start_rpc(&call->context, &call->request, &call->response, std::move(on_done));
  }

  template <typename Request, typename Response>
  void Finish(Call<Request, Response>& call, CallList::iterator it, const grpc::Status& status) {
    auto self = *it;  // keeps the call alive through `done`
    calls_.erase(it);
    auto done = std::move(call.done);
    if (status.ok()) {
      done(RpcResult<Response>(std::move(call.response)));
    } else {
      done(RpcResult<Response>(RpcError{status.error_code(), status.error_message()}));
    }
  }

  std::string endpoint_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::RuntimeService::Stub> runtime_;
  std::unique_ptr<v1::ImageService::Stub> image_;
  CallList calls_;
  // Last: destroyed first, it waits for gRPC's completions while the calls are still here.
  base::CompletionBridge bridge_;
};

}  // namespace

base::Expected<std::unique_ptr<CriClient>> NewCriClient(asio::io_context& io,
                                                        const std::string& endpoint) {
  // The kubelet's form; gRPC would also take "unix:rel/path" and TCP targets, which a CRI
  // endpoint must not be.
  constexpr std::string_view kScheme = "unix:///";
  if (endpoint.compare(0, kScheme.size(), kScheme) != 0 || endpoint.size() == kScheme.size()) {
    return base::Error{"container runtime endpoint " + endpoint + ": want unix:///path/to/socket"};
  }
  return std::unique_ptr<CriClient>(std::make_unique<GrpcCriClient>(io, endpoint));
}

}  // namespace probelet::runtime::cri
