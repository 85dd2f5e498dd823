// ShimSpec: what the process runtime tells probelet-shim (shim/shim_main.cc, the per-container
// supervisor) about the container it is to start, and the files through which the two talk:
//
//   <container dir>/spec    written by probelet before it spawns the shim (EncodeShimSpec);
//   <container dir>/exit    written by the shim when the container has ended: the wait status
//                           and the time of the leader's exit (EncodeShimExit), via a rename,
//                           so a reader sees all of it or nothing.
//
// The shim's file descriptors: 3 the log file (when `log`), 4 the container's cgroup directory
// (when `cgroup`), stdout a pipe on which it reports "ok <leader pid> <start, unix ns>\n" or
// "err <message>\n" once, right after its spawn of the container.
//
// The encoding is NUL-separated "k:value" entries (a:argv, e:env, w:working dir, u:uid, g:gid,
// l:log, c:cgroup, m:max log line, d:drain ms): argv and env hold no NUL, and nothing else is
// needed to decode it. Value types; thread-safe as values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/expected.h"

namespace probelet::runtime {

struct ShimSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string working_dir;
  std::optional<uint32_t> uid, gid;
  bool log = false;     // fd 3 is the log file
  bool cgroup = false;  // fd 4 is the cgroup directory to start the container in
  uint64_t max_log_line = 16 * 1024;
  uint64_t drain_ms = 2000;  // after the leader's exit, how long to wait for the pipes' EOF
};

inline constexpr int kShimLogFd = 3;
inline constexpr int kShimCgroupFd = 4;

std::string EncodeShimSpec(const ShimSpec& spec);
base::Expected<ShimSpec> DecodeShimSpec(std::string_view data);

// The exit file: "<wait status> <unix time of the exit in ns>\n".
struct ShimExit {
  int wait_status = 0;
  int64_t finished_unix_ns = 0;
};
std::string EncodeShimExit(const ShimExit& exit);
base::Expected<ShimExit> DecodeShimExit(std::string_view data);

}  // namespace probelet::runtime
