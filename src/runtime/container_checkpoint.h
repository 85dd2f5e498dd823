// ContainerCheckpoint: what the process runtime keeps on disk about a started container, so
// that a probelet started later with the same state dir adopts it (issue 12 part 2) instead of
// starting it twice. The kubelet keeps the same facts as the container's CRI labels and
// annotations (pod UID, restart count, termination grace period) and asks the runtime for the
// rest; the process runtime is its own runtime, so it writes them here:
//
//   <state dir>/containers/<64 hex>/record   this, as JSON, written once the container started
//   <state dir>/containers/<64 hex>/spec     the ShimSpec (shim_spec.h)
//   <state dir>/containers/<64 hex>/exit     written by the shim when the container ended
//
// The pids come with their start times (/proc/<pid>/stat field 22): a pid that now names
// another process is never taken for the container or its shim.
//
// Pure functions over values and small files; thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "api/time.h"
#include "base/expected.h"

namespace probelet::runtime {

struct ContainerCheckpoint {
  static constexpr int kVersion = 1;

  std::string id;  // "probelet://<64 hex>"
  std::string name;
  std::string pod_uid, pod_name, pod_namespace;
  int32_t restart_count = 0;
  std::optional<int64_t> termination_grace_period_seconds;
  std::string log_path;
  api::Time created_at{}, started_at{};
  std::string cgroup_dir;  // "" in process-group mode
  pid_t shim_pid = 0;
  std::string shim_start;  // ProcessStartTime(shim_pid) when it was recorded
  pid_t pid = 0;           // the container's leader
  std::string pid_start;   // "" when the leader had already exited when recorded
};

std::string EncodeContainerCheckpoint(const ContainerCheckpoint& checkpoint);
// Errors name what is wrong (not JSON, another version, a missing field); the caller adds the
// file's path.
base::Expected<ContainerCheckpoint> DecodeContainerCheckpoint(const std::string& data);

// Writes `data` to `path` through a temporary file and a rename, so a reader (or a probelet
// killed in the middle) sees the old content or the new, never a part.
base::Status WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace probelet::runtime
