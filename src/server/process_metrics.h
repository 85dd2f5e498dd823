// The Prometheus client libraries' standard process metrics, read from /proc/self, so the
// agent's /metrics looks like any other exporter's: process_cpu_seconds_total,
// process_resident_memory_bytes, process_virtual_memory_bytes, process_open_fds,
// process_max_fds, process_start_time_seconds.
//
// Thread safety: any thread. Cost: a few small /proc reads and a stat of /proc/self/fd (a
// readdir of it on kernels before 6.2, whose stat does not give the count).
#pragma once

#include <string>

namespace probelet::server {

// Appends the metrics above (HELP and TYPE included); a metric whose /proc source cannot be
// read is left out rather than reported as 0.
void WriteProcessMetrics(std::string& out);

}  // namespace probelet::server
