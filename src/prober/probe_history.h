// ProbeHistory: the last N attempts of one probe worker (issue 14), kept so users can see why a
// container flapped or how far a failing probe is from its threshold, which the kubelet forgets
// (it keeps only the cached result and an event).
//
// One ProbeAttempt per probe the worker ran: its start (wall clock), duration, the handler's
// result (success, warning, failure, unknown; a timeout is a failure with its output), the
// output (first kMaxOutputBytes), the container ID it ran against, and the worker's state after
// it: the run of equal results and the threshold it counts towards ("failure 2 of 3"), the
// cached result, and whether this attempt changed it. A probe that could not be run (the worker
// discards it, §3.3.11) is kept too, marked `discarded`, with the error as its output and the
// state unchanged.
//
// Memory: a ring of at most `capacity` attempts of ~64 bytes each. Outputs and container IDs
// are reference-counted strings, and one equal to the previous attempt's is shared instead of
// stored again: a worker whose outputs repeat (the usual case: "" or the same status line)
// costs a few KB; one whose every output differs at most capacity * (1 KiB + overhead)
// (tests/prober/probe_history_test.cc prints both figures; bench/README.md has them).
//
// Thread safety: event loop thread only, like the worker that owns it. Value snapshots
// (Snapshot) may be handed to any thread: the strings they share are immutable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/time.h"
#include "base/clock.h"
#include "probe/result.h"
#include "prober/results_manager.h"

namespace probelet::prober {

struct ProbeAttempt {
  api::Time start{};
  base::Duration duration{};
  probe::Result result = probe::Result::kUnknown;  // the handler's own result
  bool discarded = false;  // could not be run: counters and cache untouched (§3.3.11)
  bool changed = false;    // this attempt changed the cached result
  // The run after this attempt: `run` equal results of kind `run_result` (Success or Failure)
  // counting towards `threshold` (successThreshold or failureThreshold). For a liveness
  // Failure or any startup result that reached its threshold, the worker then holds and its
  // own run restarts from 0 (§3.3.16); the attempt keeps the count that got there.
  CachedResult run_result = CachedResult::kSuccess;
  int32_t run = 0;
  int32_t threshold = 0;
  // The cached result for `container_id` after this attempt (Unknown when none).
  CachedResult cached = CachedResult::kUnknown;
  std::shared_ptr<const std::string> output;        // never null once recorded
  std::shared_ptr<const std::string> container_id;  // never null once recorded

  int32_t consecutive_successes() const { return run_result == CachedResult::kSuccess ? run : 0; }
  int32_t consecutive_failures() const { return run_result == CachedResult::kFailure ? run : 0; }
};

// "success 1 of 1", "failure 2 of 3": a run and the threshold it counts towards.
std::string ThresholdState(CachedResult run_result, int32_t run, int32_t threshold);

class ProbeHistory {
 public:
  static constexpr size_t kMaxOutputBytes = 1024;
  static constexpr size_t kDefaultCapacity = 100;

  // REQUIRES: capacity > 0 (a worker with no history has no ProbeHistory).
  explicit ProbeHistory(size_t capacity);

  // Appends `attempt`, dropping the oldest when full. `output` is cut to kMaxOutputBytes (on a
  // UTF-8 boundary); it and `container_id` share the previous attempt's strings when equal.
  void Add(ProbeAttempt attempt, std::string_view output, std::string_view container_id);

  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  // Attempts recorded since the worker started, including those the ring dropped.
  uint64_t total() const { return total_; }
  // i = 0 is the oldest kept. REQUIRES: i < size().
  const ProbeAttempt& at(size_t i) const { return ring_[(head_ + i) % capacity_]; }
  const ProbeAttempt* last() const { return size_ == 0 ? nullptr : &at(size_ - 1); }

  // Copies of the last `limit` attempts started strictly after `since` (starts taken to the
  // microsecond, as the API prints them), oldest first.
  std::vector<ProbeAttempt> Snapshot(size_t limit = SIZE_MAX, api::Time since = {}) const;

  // Heap bytes held by the ring and the strings it alone owns (an estimate: allocator
  // rounding and headers not counted), for the memory figures.
  size_t MemoryBytes() const;

 private:
  size_t capacity_;
  size_t head_ = 0;  // index of the oldest
  size_t size_ = 0;
  uint64_t total_ = 0;
  std::vector<ProbeAttempt> ring_;  // grows to capacity_, then wraps
};

}  // namespace probelet::prober
