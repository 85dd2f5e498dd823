// Reading container log files in the CRI format, as the kubelet's ReadLogs does for
// `kubectl logs` (pkg/kubelet/kuberuntime/logs/logs.go): each file line is
//   <RFC3339Nano time> <stdout|stderr> <P|F> <message>
// where P marks a partial line that continues in the next file line and F a full one. The
// reader prints the messages alone (both streams, in file order), restoring the line breaks
// the runtime split on, optionally with the time in front (timestamps=true).
//
// Value types and pure functions plus one file read; any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/time.h"
#include "base/expected.h"

namespace probelet::server {

struct LogOptions {
  std::optional<int64_t> tail_lines;   // tailLines: the last N lines only
  std::optional<int64_t> limit_bytes;  // limitBytes: stop after this many bytes of output
  std::optional<api::Time> since;      // sinceTime / sinceSeconds: lines at or after this time
  bool timestamps = false;             // timestamps: "<RFC3339Nano> " before each line
  bool follow = false;                 // follow: keep reading as the file grows
};

// Turns CRI file bytes into what `kubectl logs` prints. Feed it the file in any chunks: a file
// line cut between two chunks is kept until its end arrives.
class CriLogDecoder {
 public:
  explicit CriLogDecoder(const LogOptions& options) : options_(options) {}
  // Appends the output for every complete file line in `bytes` to `out`.
  void Feed(std::string_view bytes, std::string& out);
  // Appends the output for a last line with no newline (at the end of a finished file).
  void Flush(std::string& out);

 private:
  void DecodeLine(std::string_view line, std::string& out);

  LogOptions options_;
  std::string pending_;        // a file line without its '\n' yet
  bool at_line_start_ = true;  // the next message starts an output line (for timestamps)
};

// The byte offset where the last `n` lines of the file start (the kubelet's
// tail.FindTailLineStartIndex: it counts file lines, partial ones included), 0 for a shorter
// file. Reads the file backwards in blocks, so a huge file costs only its tail.
base::Expected<uint64_t> TailStartOffset(const std::string& path, int64_t n);

// Reads up to `max_bytes` of `path` from `offset`; empty at the end of the file.
base::Expected<std::string> ReadFileChunk(const std::string& path, uint64_t offset,
                                          size_t max_bytes);

}  // namespace probelet::server
