// CompletionBridge: brings the completions of calls that a library runs on its own threads
// (gRPC's callback API) back to one io_context, and counts the calls in flight so that their
// owner can be destroyed safely: no thread of that library touches the io_context or the owner
// after the bridge is gone. The part that the gRPC prober (probe/grpc_prober.cc) and the CRI
// client (runtime/cri/cri_client.cc) share; no gRPC type is in it.
//
// Use: on the loop thread, Begin() when a call starts, and hand the Completion it returns to the
// library's completion callback, which calls Post(fn) exactly once, from any thread (or inline,
// from inside the call that started the RPC or a cancellation), with what must run on the loop.
// `fn` runs on the loop thread, on a later turn, unless the bridge is gone by then: it is then
// dropped unrun (destroyed on the loop thread, or with the io_context). While a call is in
// flight the io_context has work, so io.run() does not return meanwhile.
//
// Destruction (loop thread): cancel the calls first (ClientContext::TryCancel), then destroy the
// bridge. Its destructor waits until every begun call has posted; cancelled calls post at once,
// so the wait is brief. A Post is a precondition of that wait: a Completion whose Post is never
// called makes the destructor wait forever (gRPC calls every callback exactly once).
//
// Ownership: the io_context must outlive the bridge and what was posted to it.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace probelet::base {

class CompletionBridge {
 private:
  struct Shared;
  struct Call;

 public:
  // One call's way back to the loop. Copyable, so that it fits in a std::function; all copies
  // are the same call.
  class Completion {
   public:
    // Any thread, once per call: posts `fn` to the loop, then lets go of the call.
    void Post(std::function<void()> fn) const;

   private:
    friend class CompletionBridge;
    explicit Completion(std::shared_ptr<Call> call) : call_(std::move(call)) {}
    std::shared_ptr<Call> call_;
  };

  explicit CompletionBridge(boost::asio::io_context& io);
  ~CompletionBridge();
  CompletionBridge(const CompletionBridge&) = delete;
  CompletionBridge& operator=(const CompletionBridge&) = delete;

  // Loop thread: a call starts.
  Completion Begin();

  // Calls begun and not yet posted (any thread; for tests and metrics).
  size_t in_flight() const;

 private:
  std::shared_ptr<Shared> shared_;
};

}  // namespace probelet::base
