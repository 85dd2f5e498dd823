// From CRI answers to runtime values: the pure mappings CriRuntime (cri_runtime.h) applies to
// what containerd returns, kept apart so they are table-tested without a runtime:
//   - a CRI ContainerStatus as a runtime::ContainerStatus (the kubelet's toKubeContainerStatus,
//     kuberuntime_container.go, plus the clamp of finishedAt the kubelet does not need: cri.md
//     §6 saw finished_at 1 ms before started_at for a container that exits at once);
//   - container IDs: runtime::ContainerStatus::id is "<runtime>://<id>" (the kubelet's
//     ContainerID.String()), CRI calls take the bare id;
//   - seconds for the CRI timeouts (StopContainer, ExecSync), rounded up as the kubelet's
//     int64(math.Ceil(d.Seconds())) does, never negative;
//   - an ExecSync answer as an ExecSyncResult (the kubelet's remote runtime ExecSync and
//     execProber: DEADLINE_EXCEEDED is a timeout, any other error an error).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "runtime/cri/cri_client.h"
#include "runtime/runtime.h"

namespace probelet::runtime::cri {

// "containerd://<id>" for runtime "containerd".
std::string FormatContainerId(std::string_view runtime_name, std::string_view id);
// The bare id of "<anything>://<id>"; an id without a scheme is returned as it is.
std::string_view ParseContainerId(std::string_view id);

// The CRI status of one container as probelet's. `spec_image` is the image as the pod spec
// names it (the v1 status's image; containerd answers its repo tag instead); `log_path` is kept
// when the answer has none. Exit code, reason and finishedAt are read only for EXITED (a CRI
// status carries zeros before); signal = exit code - 128 for exit codes over 128; reason and
// message as the runtime says them (Completed, Error, OOMKilled, StartError,
// ContainerCannotRun...), with "Completed"/"Error" filled in from the exit code when the runtime
// gives none. pod_uid, restart_count and the grace period come from the kubelet's labels and
// annotations (a missing or malformed one: "", 0, none). CONTAINER_UNKNOWN maps to kExited with
// reason "Unknown" (the kubelet's ContainerStateUnknown shows as terminated after a restart of the
// runtime).
ContainerStatus ToContainerStatus(const v1::ContainerStatus& status, std::string_view runtime_name,
                                  const std::string& spec_image);

// The CRI timeout in whole seconds for a duration: rounded up, 0 for <= 0.
int64_t CeilSeconds(base::Duration d);

// The client-side deadline of an ExecSync whose CRI timeout is `timeout_seconds` (0: none):
// timeout + margin, or `without_timeout` for 0.
base::Duration ExecDeadline(int64_t timeout_seconds, base::Duration margin,
                            base::Duration without_timeout);

// The result of an ExecSync call: kExited with the exit code and stdout then stderr (at most
// kMaxExecOutput bytes); kTimedOut for DEADLINE_EXCEEDED; kError with the Go status text for
// any other error ("rpc error: code = Unknown desc = ...", as the kubelet's probe output shows).
ExecSyncResult ToExecSyncResult(const RpcResult<v1::ExecSyncResponse>& result,
                                int64_t timeout_seconds);

// The init process's pid from a verbose ContainerStatus's info ("info" holds JSON with "pid"),
// or 0 when absent.
int InitPidFromInfo(const google::protobuf::Map<std::string, std::string>& info);

}  // namespace probelet::runtime::cri
