// Helpers for tests that run real processes: temporary directories, running an io_context until
// a condition holds (with a deadline), and waiting for a process to be gone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>

namespace boost::asio {
class io_context;
}

namespace probelet::runtime::testing {

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Runs `io` until `done()` is true or `timeout` has passed; returns done().
bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Waits (pidfd) until `pid` has exited (it may remain a zombie: this does not reap it); true if
// it has.
bool WaitGone(pid_t pid, std::chrono::milliseconds timeout = std::chrono::seconds(10));
// True while `pid` exists and is not a zombie.
bool IsRunning(pid_t pid);
// Children of this process that are zombies.
int CountZombieChildren();
int CountOpenFds();
std::string ReadFile(const std::string& path);
// Reads one line from a FIFO (opened non-blocking), waiting for it up to `timeout`.
std::string ReadFifoLine(const std::string& path,
                         std::chrono::milliseconds timeout = std::chrono::seconds(10));

// Reads one line from `fd`, waiting for it up to `timeout`; what was read when it expires.
std::string ReadLine(int fd, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace probelet::runtime::testing
