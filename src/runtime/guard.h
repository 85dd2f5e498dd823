// Guard: a tiny process that outlives probelet just long enough to kill its containers.
//
// Why: PR_SET_PDEATHSIG kills a container's leader when probelet dies, but not what the leader
// started; those would be reparented and live on unnoticed. The guard is forked (raw clone, no
// exec, no atfork handlers) when the runtime is built and blocks on a SOCK_SEQPACKET socket to
// probelet. The kernel closes probelet's end however probelet dies (even SIGKILL); the guard
// then writes cgroup.kill on the instance cgroup (recursive: every container and its
// descendants), SIGKILLs every container process group it was told about (the fallback mode),
// removes the emptied cgroup directories and exits. A clean shutdown says goodbye first, and
// the guard exits without killing anything.
//
// The guard runs in its own process group (terminal signals do not reach it), ignores SIGINT,
// SIGTERM and SIGHUP, holds no fd but its socket and /dev/null, and after the clone calls only
// async-signal-safe system calls (probelet may have other threads).
//
// Thread safety: one thread (the runtime's). Add/Remove never block (the socket is
// non-blocking; the guard drains it continuously).
#pragma once

#include <sys/types.h>

#include <string>

#include "base/expected.h"

namespace probelet::runtime {

class Guard {
 public:
  // Forks the guard and waits (up to 10 s) until it has left probelet's process group.
  // `instance_cgroup` may be empty (process-group mode only).
  static base::Expected<Guard> Start(const std::string& instance_cgroup);

  Guard(Guard&& other) noexcept;
  Guard& operator=(Guard&& other) = delete;
  Guard(const Guard&) = delete;
  // Says goodbye and reaps the guard (it exits at once).
  ~Guard();

  // Tells the guard about a container's process group, to kill if probelet dies / forget it.
  void AddProcessGroup(pid_t pgid);
  void RemoveProcessGroup(pid_t pgid);

  pid_t pid() const { return pid_; }
  // False once a message could not be delivered (the guard died): containers are then only
  // covered by PDEATHSIG and the next start's sweep. Logged once.
  bool healthy() const { return healthy_; }

 private:
  Guard(pid_t pid, int sock) : pid_(pid), sock_(sock) {}
  void Send(int op, int value);

  pid_t pid_ = -1;
  int sock_ = -1;
  bool healthy_ = true;
};

}  // namespace probelet::runtime
