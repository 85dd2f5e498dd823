#include "runtime/container_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace probelet::runtime {

base::Expected<ContainerLog> ContainerLog::Open(base::AsyncWriter& writer, const std::string& path,
                                                size_t max_line) {
  base::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  if (!fd.valid()) {
    return base::Error{"open log " + path + ": " + std::strerror(errno), errno};
  }
  return ContainerLog(writer, std::move(fd), max_line);
}

ContainerLog::ContainerLog(base::AsyncWriter& writer, base::UniqueFd fd, size_t max_line)
    : writer_(&writer),
      target_(std::make_shared<base::AsyncWriter::Target>(std::move(fd))),
      max_line_(max_line == 0 ? 1 : max_line) {}

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
  ++buffer_lines_;
}

void ContainerLog::Flush() {
  if (buffer_.empty()) return;
  writer_->Write(target_, std::exchange(buffer_, {}), std::exchange(buffer_lines_, 0));
}

}  // namespace probelet::runtime
