// UniqueFd: owns one file descriptor and closes it when destroyed (move-only). Pipe: both ends
// of a new pipe, close-on-exec, each a UniqueFd.
//
// For the descriptors probelet opens itself (pipes, pidfds, cgroup directories, sockets it
// hands to no library); Asio objects own theirs. Thread safety: as an int.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "base/expected.h"

namespace probelet::base {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Closes the descriptor held (if any) and holds `fd` instead.
  void Reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }
  // Gives up ownership: the caller closes the returned descriptor.
  [[nodiscard]] int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;

  static Expected<Pipe> Make() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      const int err = errno;
      return Error{std::string("pipe2: ") + std::strerror(err), err};
    }
    return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
  }
};

}  // namespace probelet::base
