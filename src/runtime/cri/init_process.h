// InitProcess: what /proc tells about a container's init process that a command run "as that
// container" needs (direct_exec.h): credentials, capability sets, no_new_privs, seccomp mode,
// umask, environment, working directory, security label, oom_score_adj, cgroups, namespaces.
//
// The parsers are pure functions of the files' text (unit-tested on fixed text); ReadInitProcess
// reads the files of a live process. Thread-safe; plain synchronous reads of small /proc files.
// Pid reuse: ReadInitProcess does not pin the process; a caller that must be sure the data is
// of one process opens a pidfd first and checks it is still alive after the read (direct_exec).
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace probelet::runtime::cri {

// The fields of /proc/<pid>/status that matter here. Effective ids (runc gives the container's
// process equal real, effective and saved ids).
struct ProcStatus {
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> groups;
  uint64_t cap_inheritable = 0, cap_permitted = 0, cap_effective = 0, cap_bounding = 0,
           cap_ambient = 0;
  bool no_new_privs = false;
  int seccomp = 0;  // 0 disabled, 1 strict, 2 filter
  int umask = 022;  // -1 when the kernel does not say
};
// Error when a required line (Uid, Gid, Groups, Cap*, NoNewPrivs, Seccomp) is missing or bad.
base::Expected<ProcStatus> ParseProcStatus(std::string_view text);

// /proc/<pid>/environ: NUL-separated "K=V" entries.
std::vector<std::string> ParseEnviron(std::string_view text);

// /proc/<pid>/limits: one {soft, hard} per line in RLIMIT_* order ("unlimited" = RLIM_INFINITY).
// (Read from the file: prlimit on another user's process needs CAP_SYS_RESOURCE.)
base::Expected<std::vector<rlimit>> ParseLimits(std::string_view text);

// One line of /proc/<pid>/cgroup: "hierarchy-id:controllers:path" (controllers empty for v2).
struct CgroupEntry {
  int hierarchy = 0;
  std::string controllers;  // "cpu,cpuacct", "name=systemd", "" (v2)
  std::string path;         // "/kubepods/pod.../<id>"
};
std::vector<CgroupEntry> ParseProcCgroup(std::string_view text);

// The mount point of `entry`'s hierarchy in a /proc/self/mountinfo text: the cgroup2 mount for
// v2, else the cgroup mount whose super options hold all of entry's controllers and no other
// controller. "" when not mounted here.
std::string CgroupMountPoint(std::string_view mountinfo, const CgroupEntry& entry);

// Inode numbers of /proc/<pid>/ns/* (a namespace's identity).
struct Namespaces {
  ino_t mnt = 0, uts = 0, ipc = 0, net = 0, pid = 0, cgroup = 0, user = 0;
};

struct InitProcess {
  pid_t pid = 0;
  ProcStatus status;
  std::vector<std::string> env;
  std::string cwd;             // readlink of /proc/<pid>/cwd (informational; see direct_exec.h)
  std::string security_label;  // /proc/<pid>/attr/current; "" without an LSM label
  int oom_score_adj = 0;
  std::vector<rlimit> limits;
  std::vector<CgroupEntry> cgroups;
  Namespaces namespaces;
};

// Reads all of the above for `pid` ("self" when 0). Error when the process is gone or a
// required file cannot be read (the message names the file).
base::Expected<InitProcess> ReadInitProcess(pid_t pid);
// The namespaces of `pid` (0 = this process). Error when gone.
base::Expected<Namespaces> ReadNamespaces(pid_t pid);

}  // namespace probelet::runtime::cri
