// ChildReaper: reaps, as soon as they exit, the children of this process that nobody else
// will: orphans re-parented to it when it is a child subreaper (PR_SET_CHILD_SUBREAPER, the
// process runtime) and children whose owner has gone. ChildClaims: the process-wide record of
// the children whose owner reaps them itself (every ChildProcess, the runtime's guard), which
// a reaper never takes.
//
// Why a process-wide record: the kernel keeps one list of children per process, and an
// exec's leader must stay a zombie until its process group has been killed (captured_command.h:
// the zombie pins the group id); a reaper that took any zombie would break that rule. A child
// is claimed with the lock held across its clone (ChildProcess::Spawn), so no reaper ever sees
// it unclaimed, and released when its owner has reaped it.
//
// How exits are noticed: SIGCHLD, through a boost::asio::signal_set on the loop (the handler is
// made SA_RESTART | SA_NOCLDSTOP so that other threads' blocking calls are not interrupted by
// it). On each, the first exited child is peeked (waitid WNOWAIT) and reaped unless claimed,
// until none is left. A claimed zombie hides those behind it (waitid reports the oldest): its
// owner normally reaps it on the same turn (the exec's pidfd is ready with the signal), so the
// reaper looks again 10 ms later and only then goes through every child it has
// (/proc/self/task/*/children). An orphan is thus reaped within a few milliseconds of its exit,
// at most ~10 ms plus the loop's latency; nothing waits for a probe's turn.
//
// Thread safety: ChildClaims, any thread. ChildReaper: the io_context's thread; `io` and
// `clock` must outlive it. Several reapers may live in one process (they share the claims).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>

#include "base/clock.h"

namespace boost::asio {
class io_context;
}

namespace probelet::base {

// Holds the process-wide claims lock for its lifetime.
class ChildClaims {
 public:
  ChildClaims();
  ~ChildClaims();
  ChildClaims(const ChildClaims&) = delete;
  ChildClaims& operator=(const ChildClaims&) = delete;

  void Claim(pid_t pid);
  void Release(pid_t pid);
  bool Claimed(pid_t pid) const;

 private:
  std::unique_lock<std::mutex> lock_;
};

// Reaps every exited child of this process that is not claimed, peeking (waitid) while the
// oldest zombie is unclaimed; with `thorough`, then also goes through every child (for those
// behind a claimed zombie). Returns how many it reaped. Never blocks.
size_t ReapUnclaimedChildren(bool thorough);

class ChildReaper {
 public:
  ChildReaper(boost::asio::io_context& io, Clock& clock);
  ~ChildReaper();
  ChildReaper(const ChildReaper&) = delete;
  ChildReaper& operator=(const ChildReaper&) = delete;

  // Children reaped by this reaper so far (for tests and diagnostics).
  uint64_t reaped() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace probelet::base
