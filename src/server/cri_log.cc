#include "server/cri_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace probelet::server {
namespace {

// An fd closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

base::Error OsError(std::string_view what, const std::string& path) {
  int err = errno;
  return base::Error{std::string(what) + " " + path + ": " + std::strerror(err), err};
}

}  // namespace

void CriLogDecoder::Feed(std::string_view bytes, std::string& out) {
  while (!bytes.empty()) {
    size_t nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      pending_.append(bytes);
      return;
    }
    if (pending_.empty()) {
      DecodeLine(bytes.substr(0, nl), out);
    } else {
      pending_.append(bytes.substr(0, nl));
      DecodeLine(pending_, out);
      pending_.clear();
    }
    bytes.remove_prefix(nl + 1);
  }
}

void CriLogDecoder::Flush(std::string& out) {
  if (pending_.empty()) return;
  std::string line = std::move(pending_);
  pending_.clear();
  DecodeLine(line, out);
}

void CriLogDecoder::DecodeLine(std::string_view line, std::string& out) {
  // <time> <stream> <tag> <message>; the message may be empty ("<time> stdout F ").
  size_t s1 = line.find(' ');
  size_t s2 = s1 == std::string_view::npos ? s1 : line.find(' ', s1 + 1);
  size_t s3 = s2 == std::string_view::npos ? s2 : line.find(' ', s2 + 1);
  if (s2 == std::string_view::npos) {
    // Not CRI (a file written by something else): pass it through unchanged.
    out.append(line);
    out.push_back('\n');
    return;
  }
  std::string_view time = line.substr(0, s1);
  std::string_view tag = line.substr(s2 + 1, s3 == std::string_view::npos ? s3 : s3 - s2 - 1);
  std::string_view message = s3 == std::string_view::npos ? "" : line.substr(s3 + 1);
  if (options_.since) {
    auto t = api::ParseRFC3339(time);
    if (t && *t < *options_.since) return;
  }
  bool partial = !tag.empty() && tag.front() == 'P';
  if (options_.timestamps && at_line_start_) {
    out.append(time);
    out.push_back(' ');
  }
  out.append(message);
  if (!partial) out.push_back('\n');
  at_line_start_ = !partial;
}

base::Expected<uint64_t> TailStartOffset(const std::string& path, int64_t n) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return OsError("open", path);
  struct stat st {};
  if (fstat(fd.get(), &st) != 0) return OsError("stat", path);
  uint64_t end = static_cast<uint64_t>(st.st_size);
  if (n <= 0) return end;
  // Walk back from the end counting '\n'; the newline that ends the last line does not start
  // a line, so a file ending in '\n' needs n+1 of them before the tail begins.
  constexpr size_t kBlock = 64 * 1024;
  std::vector<char> buf(kBlock);
  uint64_t pos = end;
  int64_t newlines = 0;
  bool skip_final = true;
  while (pos > 0) {
    size_t len = static_cast<size_t>(std::min<uint64_t>(kBlock, pos));
    pos -= len;
    ssize_t got = pread(fd.get(), buf.data(), len, static_cast<off_t>(pos));
    if (got < 0) return OsError("read", path);
    for (size_t i = static_cast<size_t>(got); i-- > 0;) {
      if (buf[i] != '\n') {
        skip_final = false;
        continue;
      }
      if (skip_final) {  // the file's own trailing newline
        skip_final = false;
        continue;
      }
      if (++newlines == n) return pos + i + 1;
    }
  }
  return uint64_t{0};
}

base::Expected<std::string> ReadFileChunk(const std::string& path, uint64_t offset,
                                          size_t max_bytes) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return OsError("open", path);
  std::string data(max_bytes, '\0');
  ssize_t got = pread(fd.get(), data.data(), max_bytes, static_cast<off_t>(offset));
  if (got < 0) return OsError("read", path);
  data.resize(static_cast<size_t>(got));
  return data;
}

}  // namespace probelet::server
