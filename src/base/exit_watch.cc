#include "base/exit_watch.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace probelet::base {

struct ExitWatch::State {
  State(boost::asio::io_context& io, int fd) : sd(io, fd) {}
  boost::asio::posix::stream_descriptor sd;
  std::function<void()> on_exit;
  bool cancelled = false;
};

ExitWatch::ExitWatch(boost::asio::io_context& io, int pidfd, std::function<void()> on_exit)
    : state_(std::make_shared<State>(io, ::fcntl(pidfd, F_DUPFD_CLOEXEC, 0))) {
  state_->on_exit = std::move(on_exit);
  state_->sd.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [state = state_](const boost::system::error_code&) {
                          // Readable (exited) or an error on the pidfd: either way the process
                          // can no longer be watched; the owner then reaps or kills and reaps.
                          if (state->cancelled) return;
                          state->cancelled = true;
                          auto fn = std::move(state->on_exit);
                          boost::system::error_code ignored;
                          state->sd.close(ignored);
                          fn();
                        });
}

ExitWatch::~ExitWatch() {
  if (state_->cancelled) return;
  state_->cancelled = true;
  state_->on_exit = nullptr;
  boost::system::error_code ignored;
  state_->sd.close(ignored);
}

}  // namespace probelet::base
