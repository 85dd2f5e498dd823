// CPU time of this process, for the benches' per-call figures: getrusage of the process alone
// (a bench whose work stays in-process), or with the children it has reaped (a bench that
// spawns: exec probes, where the child's own CPU is part of the cost), and a loop that runs one
// call N times and reports wall and CPU time per call.
//
// Header-only (no library to link); any thread, though the figures are the whole process's.
#pragma once

#include <sys/resource.h>

#include <chrono>

namespace probelet::bench {

inline double Seconds(const timeval& tv) {
  return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
}

// User + system CPU seconds of this process so far (getrusage RUSAGE_SELF).
inline double CpuSeconds() {
  rusage self{};
  ::getrusage(RUSAGE_SELF, &self);
  return Seconds(self.ru_utime) + Seconds(self.ru_stime);
}

// The same plus the children this process has waited for (RUSAGE_CHILDREN).
inline double CpuSecondsWithChildren() {
  rusage children{};
  ::getrusage(RUSAGE_CHILDREN, &children);
  return CpuSeconds() + Seconds(children.ru_utime) + Seconds(children.ru_stime);
}

struct PerCall {
  double wall_seconds = 0, cpu_seconds = 0;  // CPU with the reaped children
};

// Runs `once` `n` times (n > 0); wall and CPU time per call.
template <typename Fn>
PerCall MeasurePerCall(int n, Fn&& once) {
  double cpu_before = CpuSecondsWithChildren();
  auto wall_before = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) once();
  PerCall f;
  f.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_before).count() / n;
  f.cpu_seconds = (CpuSecondsWithChildren() - cpu_before) / n;
  return f;
}

}  // namespace probelet::bench
