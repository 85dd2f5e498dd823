// ContainerLog: writes a container's stdout and stderr to its log file in the CRI format that
// the kubelet and `kubectl logs` read (containerd's cri/io logger):
//
//     <RFC 3339 nano timestamp> <stdout|stderr> <F|P> <line>\n
//
// One entry per line, without its "\n" (a "\r\n" loses the "\r" too, like bufio's ReadLine);
// a line longer than `max_line` is cut into "P" (partial) entries of max_line bytes, the last
// piece being "F"; a last line with no newline is written "F" when its stream ends. Each
// Append() is formatted into a buffer and written with one write(); a failed write drops the
// entries and counts their bytes: the container is never blocked on the disk.
//
// Thread safety: one thread. Owns the file descriptor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/time.h"
#include "base/expected.h"

namespace probelet::runtime {

enum class LogStream { kStdout = 0, kStderr = 1 };

class ContainerLog {
 public:
  // Opens (creating, appending) `path`.
  static base::Expected<ContainerLog> Open(const std::string& path, size_t max_line);
  // Takes an fd open for writing (tests pass a pipe or /dev/full).
  ContainerLog(int fd, size_t max_line);
  ContainerLog(ContainerLog&& other) noexcept;
  ContainerLog& operator=(ContainerLog&& other) noexcept;
  ContainerLog(const ContainerLog&) = delete;
  ContainerLog& operator=(const ContainerLog&) = delete;
  ~ContainerLog();

  // `data` as read from the stream's pipe at `now` (the timestamp of its entries).
  void Append(LogStream stream, std::string_view data, api::Time now);
  // The stream reached end of file: writes its pending partial line, if any, as "F".
  void EndStream(LogStream stream, api::Time now);

  uint64_t dropped_bytes() const { return dropped_bytes_; }
  uint64_t written_bytes() const { return written_bytes_; }

 private:
  void Entry(LogStream stream, bool partial, std::string_view line, const std::string& ts);
  void Flush();
  void Close();

  int fd_ = -1;
  size_t max_line_;
  std::string pending_[2];  // an unterminated line per stream
  std::string buffer_;
  uint64_t dropped_bytes_ = 0;
  uint64_t written_bytes_ = 0;
};

}  // namespace probelet::runtime
