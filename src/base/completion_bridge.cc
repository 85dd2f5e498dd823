#include "base/completion_bridge.h"

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cassert>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <utility>

namespace probelet::base {

namespace asio = boost::asio;

// What the bridge shares with the library's threads and with what it posted: it outlives the
// bridge as long as either holds it.
struct CompletionBridge::Shared {
  explicit Shared(asio::io_context& context) : io(context) {}
  asio::io_context& io;
  // Loop thread only: set by the bridge's destruction; posted functions then do not run.
  bool closed = false;
  mutable std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;  // guarded by mu
};

struct CompletionBridge::Call {
  explicit Call(std::shared_ptr<Shared> s)
      : shared(std::move(s)), work(shared->io.get_executor()) {}
  std::shared_ptr<Shared> shared;
  // The RPC runs on the library's threads: this keeps io.run() from returning meanwhile.
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::atomic<bool> posted{false};
};

CompletionBridge::CompletionBridge(asio::io_context& io) : shared_(std::make_shared<Shared>(io)) {}

CompletionBridge::~CompletionBridge() {
  shared_->closed = true;
  std::unique_lock lock(shared_->mu);
  shared_->cv.wait(lock, [&] { return shared_->in_flight == 0; });
}

CompletionBridge::Completion CompletionBridge::Begin() {
  {
    std::lock_guard lock(shared_->mu);
    ++shared_->in_flight;
  }
  return Completion(std::make_shared<Call>(shared_));
}

size_t CompletionBridge::in_flight() const {
  std::lock_guard lock(shared_->mu);
  return shared_->in_flight;
}

void CompletionBridge::Completion::Post(std::function<void()> fn) const {
  Call& call = *call_;
  [[maybe_unused]] bool posted_before = call.posted.exchange(true);
  assert(!posted_before && "Completion::Post called twice");
  std::shared_ptr<Shared> shared = call.shared;
  asio::post(shared->io, [shared, fn = std::move(fn)] {
    if (!shared->closed) fn();
  });
  // The posted handler is work of its own: the call's can go (io_context's count is atomic).
  call.work.reset();
  // Last: once the count reaches zero the bridge may be gone; only `shared` is touched here.
  std::lock_guard lock(shared->mu);
  if (--shared->in_flight == 0) shared->cv.notify_all();
}

}  // namespace probelet::base
