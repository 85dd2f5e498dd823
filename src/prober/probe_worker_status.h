// ProbeWorkerStatus: a copy of one probe worker's state and of its recent attempts, what the
// API's /probes serves and `probelet probes` and `describe pod` print (issue 14). Made by
// ProberManager::ListWorkers on the loop thread; a value afterwards (the attempts share their
// immutable output strings with the worker's history).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/pod.h"
#include "api/time.h"
#include "prober/probe_history.h"
#include "prober/probe_type.h"
#include "prober/results_manager.h"

namespace probelet::prober {

struct ProbeWorkerStatus {
  std::string pod_namespace;
  std::string pod_name;
  std::string pod_uid;
  std::string container;
  ProbeType type = ProbeType::kLiveness;
  api::Probe spec;           // as the worker runs it (named ports resolved)
  std::string container_id;  // the instance probed now; "" before the first
  // The cached result of that instance (nullopt: none yet).
  std::optional<CachedResult> result;
  // The worker's run: `run` equal results of kind `run_result` (§3.3.13); 0 after a hold.
  CachedResult run_result = CachedResult::kSuccess;
  int32_t run = 0;
  bool on_hold = false;         // a liveness failure or a startup result: waits for a new instance
  size_t history_capacity = 0;  // 0: no history kept
  uint64_t attempts_total = 0;  // attempts recorded since the worker started
  // The last attempts asked for, oldest first.
  std::vector<ProbeAttempt> attempts;

  int32_t threshold() const {
    return run_result == CachedResult::kFailure ? spec.failure_threshold : spec.success_threshold;
  }
};

// A worker's place in the list's order: namespace, pod, container, type, then pod UID (two pods
// of one name exist while the old one terminates). Views into the worker or status it names.
struct ProbeWorkerKey {
  std::string_view pod_namespace;
  std::string_view pod_name;
  std::string_view container;
  ProbeType type = ProbeType::kLiveness;
  std::string_view pod_uid;
  auto operator<=>(const ProbeWorkerKey&) const = default;
};

inline ProbeWorkerKey KeyOf(const ProbeWorkerStatus& s) {
  return {s.pod_namespace, s.pod_name, s.container, s.type, s.pod_uid};
}

// Which workers, and how much of their history, ListWorkers copies.
struct ProbeWorkerQuery {
  std::string pod_namespace;  // "" = any
  std::string pod_name;       // "" = any
  std::string container;      // "" = any
  std::optional<ProbeType> type;
  size_t attempts = 1;  // the last N attempts of each (SIZE_MAX: the whole ring)
  api::Time since{};    // only attempts started after this
  // Paging, so that a long list is copied a page per turn of the loop: only the workers after
  // `after` (a status of the previous page, whose key is all that is read), at most `limit`.
  std::optional<ProbeWorkerStatus> after;
  size_t limit = SIZE_MAX;

  // Whether the filters and `after` select the worker with this key (`limit` aside).
  bool Selects(const ProbeWorkerKey& k) const {
    return (pod_namespace.empty() || k.pod_namespace == pod_namespace) &&
           (pod_name.empty() || k.pod_name == pod_name) &&
           (container.empty() || k.container == container) && (!type || k.type == *type) &&
           (!after || KeyOf(*after) < k);
  }
};

}  // namespace probelet::prober
