#include "runtime/container_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace probelet::runtime {

base::Expected<ContainerLog> ContainerLog::Open(const std::string& path, size_t max_line) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (fd < 0) {
    return base::Error{"open log " + path + ": " + std::strerror(errno), errno};
  }
  return ContainerLog(fd, max_line);
}

ContainerLog::ContainerLog(int fd, size_t max_line)
    : fd_(fd), max_line_(max_line == 0 ? 1 : max_line) {}

ContainerLog::ContainerLog(ContainerLog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      max_line_(other.max_line_),
      pending_{std::move(other.pending_[0]), std::move(other.pending_[1])},
      buffer_(std::move(other.buffer_)),
      dropped_bytes_(other.dropped_bytes_),
      written_bytes_(other.written_bytes_) {}

ContainerLog& ContainerLog::operator=(ContainerLog&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = std::exchange(other.fd_, -1);
    max_line_ = other.max_line_;
    pending_[0] = std::move(other.pending_[0]);
    pending_[1] = std::move(other.pending_[1]);
    buffer_ = std::move(other.buffer_);
    dropped_bytes_ = other.dropped_bytes_;
    written_bytes_ = other.written_bytes_;
  }
  return *this;
}

ContainerLog::~ContainerLog() { Close(); }

void ContainerLog::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void ContainerLog::Append(LogStream stream, std::string_view data, api::Time now) {
  std::string ts = api::FormatRFC3339Nano(now);
  std::string& pending = pending_[static_cast<int>(stream)];
  for (;;) {
    size_t nl = data.find('\n');
    std::string_view piece = data.substr(0, nl);
    while (!piece.empty()) {
      // A full pending line with more of it coming is a partial entry; one that is exactly
      // max_line long and then ends is a single "F" entry.
      if (pending.size() == max_line_) {
        Entry(stream, true, pending, ts);
        pending.clear();
      }
      size_t take = std::min(piece.size(), max_line_ - pending.size());
      pending.append(piece.substr(0, take));
      piece.remove_prefix(take);
    }
    if (nl == std::string_view::npos) break;
    if (!pending.empty() && pending.back() == '\r') pending.pop_back();
    Entry(stream, false, pending, ts);
    pending.clear();
    data.remove_prefix(nl + 1);
  }
  Flush();
}

void ContainerLog::EndStream(LogStream stream, api::Time now) {
  std::string& pending = pending_[static_cast<int>(stream)];
  if (!pending.empty()) {
    Entry(stream, false, pending, api::FormatRFC3339Nano(now));
    pending.clear();
  }
  Flush();
}

void ContainerLog::Entry(LogStream stream, bool partial, std::string_view line,
                         const std::string& ts) {
  buffer_.append(ts);
  buffer_.append(stream == LogStream::kStdout ? " stdout " : " stderr ");
  buffer_.append(partial ? "P " : "F ");
  buffer_.append(line);
  buffer_.push_back('\n');
}

void ContainerLog::Flush() {
  std::string_view rest = buffer_;
  while (!rest.empty() && fd_ >= 0) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // disk full, I/O error, ...: drop what is left (counted below)
    written_bytes_ += static_cast<uint64_t>(n);
    rest.remove_prefix(static_cast<size_t>(n));
  }
  dropped_bytes_ += rest.size();
  buffer_.clear();
}

}  // namespace probelet::runtime
