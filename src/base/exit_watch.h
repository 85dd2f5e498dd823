// ExitWatch: calls back on the event loop when a process exits (its pidfd becomes readable),
// without reaping it. The owner keeps an exited leader as a zombie a moment longer on purpose:
// while it is unreaped its process group id cannot be reused, so the rest of the group can be
// killed without a race; then the owner reaps it (ChildProcess::TryReap).
//
// Thread safety: the io_context's thread. Does not own the pidfd (it watches a duplicate).
// The callback never runs after the watch is destroyed, nor from inside the constructor.
#pragma once

#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace probelet::base {

class ExitWatch {
 public:
  ExitWatch(boost::asio::io_context& io, int pidfd, std::function<void()> on_exit);
  ~ExitWatch();
  ExitWatch(const ExitWatch&) = delete;
  ExitWatch& operator=(const ExitWatch&) = delete;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace probelet::base
