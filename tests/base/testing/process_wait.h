// Test helpers that watch processes the test does not necessarily own (a grandchild, a process
// a runner says it killed), without reaping them: through a pidfd.
#pragma once

#include <poll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>

namespace probelet::base::testing {

// True if the process `pid` (not necessarily our child) ends within `ms`, or is already gone.
inline bool EndsWithin(pid_t pid, int ms) {
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0) return errno == ESRCH;
  pollfd p{fd, POLLIN, 0};
  int r = ::poll(&p, 1, ms);
  ::close(fd);
  return r == 1;
}

}  // namespace probelet::base::testing
