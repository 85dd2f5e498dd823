// Small cgroup v2 and /proc helpers for the process runtime: make, kill and remove a cgroup
// directory, list the processes of a cgroup or a process group, name this process's instance
// directory, and sweep the instance directories whose probelet has died.
//
// Plain synchronous system calls on small pseudo-files (no blocking I/O); thread-safe.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/expected.h"

namespace probelet::runtime {

// mkdir; an existing directory is fine.
base::Status MakeCgroup(const std::string& dir);
// Writes "1" to <dir>/cgroup.kill: SIGKILL to every process in the cgroup and below it.
base::Status KillCgroup(const std::string& dir);
// True while a process lives in the cgroup or below (cgroup.events "populated 1").
bool CgroupPopulated(const std::string& dir);
// rmdir of the directory and of every cgroup below it (deepest first). Fails with EBUSY while
// a process lives there.
base::Status RemoveCgroupTree(const std::string& dir);
// Pids in <dir>/cgroup.procs (this cgroup only).
std::vector<pid_t> CgroupProcs(const std::string& dir);
// The whole of a small file (/proc, /sys), read with read(2): never throws (a /proc file whose
// process vanished fails with ESRCH mid-read); "" when unreadable.
std::string ReadSmallFile(const std::string& path);

// From /proc/<pid>/stat: state letter, parent, process group; nullopt if the pid is gone.
struct ProcStat {
  char state = 0;
  pid_t ppid = 0;
  pid_t pgrp = 0;
};
std::optional<ProcStat> ReadProcStat(pid_t pid);

// Field 22 of /proc/<pid>/stat, the start time in clock ticks since boot, or "" when the
// process does not exist. With the pid, it names a process for good: a recycled pid has another.
std::string ProcessStartTime(pid_t pid);

// Pids (from /proc) whose process group is `pgid`.
std::vector<pid_t> ProcessGroupMembers(pid_t pgid);

// "p<pid>-<start time in clock ticks>" for `pid` (default: this process), or "" if unreadable.
// The start time tells a live owner from a recycled pid. Each runtime of the process has its
// own directory below it ("r<random hex>"), so two runtimes never share one.
std::string InstanceName(pid_t pid = 0);
// "s<16 hex>", a hash (FNV-1a) of a state dir's path: the instance directory of a runtime
// whose containers outlive probelet (shim mode), found again by the next probelet with the
// same state dir, and never swept as a dead probelet's.
std::string StateDirInstanceName(const std::string& state_dir);
// For each "p<pid>-<start>" directory under `root` whose owner is gone: cgroup.kill,
// then remove the tree. Returns the directories it killed (their removal may lag until the killed
// processes have exited; a later sweep finishes it).
std::vector<std::string> SweepStaleInstances(const std::string& root);

}  // namespace probelet::runtime
