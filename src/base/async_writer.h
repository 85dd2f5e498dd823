// AsyncWriter: writes byte strings to file descriptors from one background thread, so that the
// event loop never blocks on a slow disk or on a pipe nobody reads (issue 9 point 6). Used for
// containers' log files (runtime::ContainerLog) and for probelet's own log lines on stderr.
//
// The queue is bounded (in bytes, over all targets): what does not fit when Write is called is
// dropped at once, never waited for, and counted, in bytes and in lines, on the target and on
// the writer; so are the bytes of a write that fails (disk full, EPIPE). Each Write is written
// in order, whole unless the fd fails it. Drop newest: what was accepted is never taken back.
//
// Thread safety: Write, Flush and the counters may be called from any thread (a short mutex;
// no I/O under it on the caller's side). Ownership: the writer owns its thread. A Target owns
// its fd and is shared by its producer and the writes queued for it: the fd closes after the
// last of them. Destroying the writer writes what is queued for up to `drain_limit`; if a write
// still blocks then (a pipe nobody reads), the thread is left to finish on its own, holding
// only its own state, so probelet can still exit.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/unique_fd.h"

namespace probelet::base {

class AsyncWriter {
 public:
  // What happened to the bytes sent to one target (or to the whole writer).
  struct Counters {
    std::atomic<uint64_t> written_bytes{0};
    std::atomic<uint64_t> dropped_bytes{0};
    std::atomic<uint64_t> dropped_lines{0};
  };
  // One destination.
  struct Target {
    explicit Target(UniqueFd fd) : fd(std::move(fd)) {}
    UniqueFd fd;
    // Shared separately, so a reader of the counts need not keep the fd open.
    std::shared_ptr<Counters> counters = std::make_shared<Counters>();
  };

  explicit AsyncWriter(size_t max_queued_bytes = 4 << 20,
                       std::chrono::milliseconds drain_limit = std::chrono::seconds(1));
  ~AsyncWriter();
  AsyncWriter(const AsyncWriter&) = delete;
  AsyncWriter& operator=(const AsyncWriter&) = delete;

  // Queues `data`, which holds `lines` lines, for `target`. False when it was dropped (the
  // queue is full); never blocks on I/O.
  bool Write(const std::shared_ptr<Target>& target, std::string data, uint64_t lines);
  // Waits until everything queued before the call has been written or dropped, at most
  // `limit`; true if it was. For tests and for shutdown, not for the event loop.
  bool Flush(std::chrono::milliseconds limit = std::chrono::seconds(10));

  // Totals over every target.
  uint64_t dropped_lines() const;
  uint64_t dropped_bytes() const;

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
  std::chrono::milliseconds drain_limit_;
};

}  // namespace probelet::base
