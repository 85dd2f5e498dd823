// LogWriter: probelet run's own log lines on stderr, text or JSON (--log-format), and the
// spdlog logger that routes the other stages' lines (the runtime's) through it.
//
// Under journald (systemd's StandardError=journal, detected from $JOURNAL_STREAM as
// sd_journal_stream_fd(3) documents it: "device:inode" of the stream, compared with fd 2's), a
// line starts with its syslog priority, "<3>" error, "<4>" warning, "<6>" info, "<7>" debug,
// which journald takes as the entry's PRIORITY and strips (so `journalctl -p warning` works);
// text lines then carry no timestamp of their own (the journal has one). JSON lines keep their
// "ts" field: it is data, and tools that read the JSON expect it.
//
// The lines go to stderr through a writer thread with a bounded queue (issue 9 point 6): a
// stderr that nobody reads, or a slow terminal, never blocks the loop; lines that do not fit
// are dropped and counted (probelet_log_dropped_lines_total{log="agent"}). Destroying it writes
// what is queued, for up to a second.
//
// Thread safety: Line and dropped_lines from any thread (the loop, and spdlog's callers).
// Ownership: a logger from MakeLogger refers to the writer, which must outlive it (unset it as
// spdlog's default before the writer goes).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/time.h"
#include "base/async_writer.h"

namespace spdlog {
class logger;
}

namespace probelet::cli {

using LogFields = std::vector<std::pair<std::string, std::string>>;

struct LogFormat {
  bool json = false;     // one JSON object per line, else "TIME LEVEL MSG k=v..."
  bool journal = false;  // stderr is journald: priority prefix, no timestamp in text lines
};

// The syslog priority of a level name (spdlog's and probelet's): critical 2, error 3,
// warning/warn 4, info 6, debug/trace 7; anything else 6.
int SyslogPriority(std::string_view level);

// One line, with its trailing newline. Values with a space, '"' or '=' (or empty) are quoted
// as JSON strings in text lines.
std::string FormatLogLine(const LogFormat& format, api::Time ts, std::string_view level,
                          std::string_view msg, const LogFields& fields);

// Whether `fd` is the stream `journal_stream` names ($JOURNAL_STREAM: "<st_dev>:<st_ino>" in
// decimal). False for a null or malformed value or an fd that cannot be stat'ed.
bool IsJournalStream(int fd, const char* journal_stream);

class LogWriter {
 public:
  // Writes to a duplicate of fd 2; `journal` is found from $JOURNAL_STREAM.
  explicit LogWriter(bool json);

  uint64_t dropped_lines() const { return writer_.dropped_lines(); }
  const LogFormat& format() const { return format_; }

  void Line(api::Time ts, std::string_view level, std::string_view msg, const LogFields& fields);

  // A logger whose lines (any level) go through Line.
  std::shared_ptr<spdlog::logger> MakeLogger(std::string name);

 private:
  LogFormat format_;
  base::AsyncWriter writer_{1 << 20};
  // A duplicate of fd 2, so that the writer's thread owns what it writes to.
  std::shared_ptr<base::AsyncWriter::Target> stderr_;
};

}  // namespace probelet::cli
