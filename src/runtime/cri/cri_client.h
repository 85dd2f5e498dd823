// CriClient: an asynchronous gRPC client of a CRI v1 container runtime (runtime.v1
// RuntimeService and ImageService, e.g. containerd), as the kubelet's remote runtime and image
// services are. The messages are the upstream ones (runtime/cri/api.proto, upstream field
// numbers), passed and returned as they are: mapping pods to CRI configs and CRI statuses to v1
// container states is the CRI runtime's job, not this class's.
//
// Contract:
//  - Thread: one io_context. Create, call and destroy the client on its thread. Every call
//    returns at once (no call blocks the loop; there is no thread per call): the RPC runs on
//    gRPC's own threads and its completion is posted to the io_context, so `done` always runs on
//    the loop thread, never inside the call that started it.
//  - Deadlines: every call takes a timeout, the gRPC deadline counted from the call. A runtime
//    that does not answer ends as DEADLINE_EXCEEDED at about that time; an endpoint nobody
//    listens on fails fast with UNAVAILABLE (calls do not wait for the connection, as the
//    kubelet's do not). ExecSync's own `timeout` field is separate: the runtime enforces it only
//    on the exec'd process (docs: cri.md §7.1), so callers set the deadline a little beyond it.
//  - Results are values: the response, or an RpcError with the gRPC code and message.
//  - Ownership: the client owns the channel. While a call is pending the io_context has work
//    (io.run() does not return). Destroying the client cancels every pending call; their `done`
//    callbacks are then never called. The destructor waits (briefly: cancelled calls end at
//    once) until gRPC has let go of every call, so nothing touches the io_context or the client
//    afterwards; the io_context must outlive the client.
//  - Channel: `unix:///abs/path` endpoints (the kubelet's --container-runtime-endpoint form),
//    16 MiB send and receive message limits (the kubelet's), reconnect back-off 100 ms to 3 s.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>

#include "base/clock.h"
#include "base/expected.h"
#include "grpcpp/support/status_code_enum.h"
#include "runtime/cri/api.pb.h"

namespace boost::asio {
class io_context;
}

namespace probelet::runtime::cri {

namespace v1 = ::runtime::v1;

// A failed RPC: the gRPC status code and the runtime's message (e.g. NOT_FOUND for an unknown
// container id, UNKNOWN for most runtime failures, DEADLINE_EXCEEDED, UNAVAILABLE).
struct RpcError {
  grpc::StatusCode code = grpc::StatusCode::UNKNOWN;
  std::string message;
};

// The outcome of one call: the response, or an RpcError.
template <typename Response>
class [[nodiscard]] RpcResult {
 public:
  RpcResult(Response response) : v_(std::move(response)) {}  // NOLINT: implicit by design
  RpcResult(RpcError error) : v_(std::move(error)) {}        // NOLINT: implicit by design
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  Response& value() { return std::get<0>(v_); }
  const Response& value() const { return std::get<0>(v_); }
  Response* operator->() { return &value(); }
  const Response* operator->() const { return &value(); }
  const RpcError& error() const { return std::get<1>(v_); }
  grpc::StatusCode code() const { return ok() ? grpc::StatusCode::OK : error().code; }

 private:
  std::variant<Response, RpcError> v_;
};

template <typename Response>
using RpcCallback = std::function<void(RpcResult<Response>)>;

class CriClient {
 public:
  virtual ~CriClient() = default;

  // The endpoint as given (unix:///...).
  virtual const std::string& endpoint() const = 0;
  // Calls started and not yet completed or cancelled.
  virtual std::size_t pending() const = 0;

  // RuntimeService.
  virtual void Version(v1::VersionRequest request, base::Duration timeout,
                       RpcCallback<v1::VersionResponse> done) = 0;
  virtual void Status(v1::StatusRequest request, base::Duration timeout,
                      RpcCallback<v1::StatusResponse> done) = 0;
  virtual void RunPodSandbox(v1::RunPodSandboxRequest request, base::Duration timeout,
                             RpcCallback<v1::RunPodSandboxResponse> done) = 0;
  virtual void StopPodSandbox(v1::StopPodSandboxRequest request, base::Duration timeout,
                              RpcCallback<v1::StopPodSandboxResponse> done) = 0;
  virtual void RemovePodSandbox(v1::RemovePodSandboxRequest request, base::Duration timeout,
                                RpcCallback<v1::RemovePodSandboxResponse> done) = 0;
  virtual void PodSandboxStatus(v1::PodSandboxStatusRequest request, base::Duration timeout,
                                RpcCallback<v1::PodSandboxStatusResponse> done) = 0;
  virtual void ListPodSandbox(v1::ListPodSandboxRequest request, base::Duration timeout,
                              RpcCallback<v1::ListPodSandboxResponse> done) = 0;
  virtual void CreateContainer(v1::CreateContainerRequest request, base::Duration timeout,
                               RpcCallback<v1::CreateContainerResponse> done) = 0;
  virtual void StartContainer(v1::StartContainerRequest request, base::Duration timeout,
                              RpcCallback<v1::StartContainerResponse> done) = 0;
  virtual void StopContainer(v1::StopContainerRequest request, base::Duration timeout,
                             RpcCallback<v1::StopContainerResponse> done) = 0;
  virtual void RemoveContainer(v1::RemoveContainerRequest request, base::Duration timeout,
                               RpcCallback<v1::RemoveContainerResponse> done) = 0;
  virtual void ListContainers(v1::ListContainersRequest request, base::Duration timeout,
                              RpcCallback<v1::ListContainersResponse> done) = 0;
  virtual void ContainerStatus(v1::ContainerStatusRequest request, base::Duration timeout,
                               RpcCallback<v1::ContainerStatusResponse> done) = 0;
  virtual void ExecSync(v1::ExecSyncRequest request, base::Duration timeout,
                        RpcCallback<v1::ExecSyncResponse> done) = 0;

  // ImageService.
  virtual void ImageStatus(v1::ImageStatusRequest request, base::Duration timeout,
                           RpcCallback<v1::ImageStatusResponse> done) = 0;
  virtual void PullImage(v1::PullImageRequest request, base::Duration timeout,
                         RpcCallback<v1::PullImageResponse> done) = 0;
};

// A client of the runtime at `endpoint` ("unix:///abs/path.sock"). Connects lazily: an Error
// only for an endpoint of another form; a runtime that is not there shows as UNAVAILABLE calls.
base::Expected<std::unique_ptr<CriClient>> NewCriClient(boost::asio::io_context& io,
                                                        const std::string& endpoint);

}  // namespace probelet::runtime::cri
