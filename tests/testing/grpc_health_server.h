// A real gRPC server on 127.0.0.1 (port 0) with a grpc.health.v1.Health service whose answer
// the test chooses per service name: SERVING, NOT_SERVING, any other status, UNIMPLEMENTED, or a
// slow answer. (Debian's gRPC returns nullptr from BuildAndStart for a server with no service,
// so the Health service is always registered; "unimplemented" answers like a server without it.)
//
// Thread safety: the setters may be called from any thread, also while RPCs run (gRPC serves on
// its own threads). Stop() (or the destructor) interrupts slow answers and waits for the server.
#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace probelet::testing {

class GrpcHealthServer {
 public:
  enum class Mode { kServing, kNotServing, kUnknown, kServiceUnknown, kUnimplemented };

  // Starts the server; it is ready to accept when the constructor returns.
  GrpcHealthServer();
  ~GrpcHealthServer();
  GrpcHealthServer(const GrpcHealthServer&) = delete;
  GrpcHealthServer& operator=(const GrpcHealthServer&) = delete;

  int port() const;
  std::string address() const;  // "127.0.0.1:<port>"

  // The answer for `service` ("" = the server as a whole); services never set answer
  // SERVICE_UNKNOWN, except "" which starts as SERVING.
  void SetMode(const std::string& service, Mode mode);
  // Every Check waits this long before answering (interrupted by Stop).
  void SetDelay(std::chrono::milliseconds delay);
  // The user-agent metadata of the last Check received ("" if none yet).
  std::string last_user_agent() const;
  int checks() const;

  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace probelet::testing
