// ContainerLog: writes a container's stdout and stderr to its log file in the CRI format that
// the kubelet and `kubectl logs` read (containerd's cri/io logger):
//
//     <RFC 3339 nano timestamp> <stdout|stderr> <F|P> <line>\n
//
// One entry per line, without its "\n" (a "\r\n" loses the "\r" too, like bufio's ReadLine);
// a line longer than `max_line` is cut into "P" (partial) entries of max_line bytes, the last
// piece being "F"; a last line with no newline is written "F" when its stream ends. Each
// Append() is formatted into a buffer and handed to an AsyncWriter, whose thread writes it
// (issue 9 point 6): neither the event loop nor the container ever waits for the disk. What the
// writer cannot take (its queue is full: the disk is slower than the container) or fails to
// write is dropped and counted, in bytes and lines.
//
// Thread safety: one thread (the writer's own thread aside). Ownership: `writer` must outlive
// the log; the file descriptor is shared with the writes still queued (closed after the last).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "api/time.h"
#include "base/async_writer.h"
#include "base/expected.h"
#include "base/unique_fd.h"

namespace probelet::runtime {

enum class LogStream { kStdout = 0, kStderr = 1 };

class ContainerLog {
 public:
  // Opens (creating, appending) `path`.
  static base::Expected<ContainerLog> Open(base::AsyncWriter& writer, const std::string& path,
                                           size_t max_line);
  // Takes an fd open for writing (tests pass a pipe or /dev/full).
  ContainerLog(base::AsyncWriter& writer, base::UniqueFd fd, size_t max_line);

  // `data` as read from the stream's pipe at `now` (the timestamp of its entries).
  void Append(LogStream stream, std::string_view data, api::Time now);
  // The stream reached end of file: writes its pending partial line, if any, as "F".
  void EndStream(LogStream stream, api::Time now);

  // What became of the entries so far (updated by the writer's thread as it writes); they
  // outlive the log.
  std::shared_ptr<const base::AsyncWriter::Counters> counters() const { return target_->counters; }
  uint64_t dropped_bytes() const { return target_->counters->dropped_bytes; }
  uint64_t written_bytes() const { return target_->counters->written_bytes; }

 private:
  void Entry(LogStream stream, bool partial, std::string_view line, const std::string& ts);
  void Flush();

  base::AsyncWriter* writer_;
  std::shared_ptr<base::AsyncWriter::Target> target_;
  size_t max_line_;
  std::string pending_[2];  // an unterminated line per stream
  std::string buffer_;
  uint64_t buffer_lines_ = 0;
};

}  // namespace probelet::runtime
