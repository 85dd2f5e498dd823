#include "cli/log_writer.h"

#include <fcntl.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

namespace probelet::cli {
namespace {

// Routes spdlog (the runtime's and other stages' lines) through the LogWriter.
class SpdlogSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit SpdlogSink(LogWriter& writer) : writer_(writer) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto level = spdlog::level::to_string_view(msg.level);
    writer_.Line(api::Time(std::chrono::duration_cast<std::chrono::nanoseconds>(
                     msg.time.time_since_epoch())),
                 std::string_view(level.data(), level.size()),
                 std::string_view(msg.payload.data(), msg.payload.size()), {});
  }
  void flush_() override {}

 private:
  LogWriter& writer_;
};

}  // namespace

int SyslogPriority(std::string_view level) {
  if (level == "critical") return 2;
  if (level == "error") return 3;
  if (level == "warning" || level == "warn") return 4;
  if (level == "debug" || level == "trace") return 7;
  return 6;
}

std::string FormatLogLine(const LogFormat& format, api::Time ts, std::string_view level,
                          std::string_view msg, const LogFields& fields) {
  std::string out;
  if (format.journal) out = "<" + std::to_string(SyslogPriority(level)) + ">";
  if (format.json) {
    nlohmann::json j;
    j["ts"] = api::FormatRFC3339Nano(ts);
    j["level"] = level;
    j["msg"] = msg;
    for (const auto& [k, v] : fields) j[k] = v;
    out += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    if (!format.journal) out += api::FormatRFC3339Nano(ts).substr(0, 23) + "Z ";
    out += std::string(level) + " " + std::string(msg);
    for (const auto& [k, v] : fields) {
      out += " " + k + "=";
      bool quote = v.empty() || v.find_first_of(" \"=") != std::string::npos;
      out += quote ? nlohmann::json(v).dump() : v;
    }
  }
  out += '\n';
  return out;
}

bool IsJournalStream(int fd, const char* journal_stream) {
  if (journal_stream == nullptr) return false;
  uintmax_t dev = 0;
  uintmax_t ino = 0;
  int end = 0;
  if (std::sscanf(journal_stream, "%" SCNuMAX ":%" SCNuMAX "%n", &dev, &ino, &end) != 2 ||
      journal_stream[end] != '\0') {
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) return false;
  return static_cast<uintmax_t>(st.st_dev) == dev && static_cast<uintmax_t>(st.st_ino) == ino;
}

LogWriter::LogWriter(bool json)
    : format_{.json = json,
              .journal = IsJournalStream(STDERR_FILENO, std::getenv("JOURNAL_STREAM"))},
      stderr_(std::make_shared<base::AsyncWriter::Target>(
          base::UniqueFd(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3)))) {}

void LogWriter::Line(api::Time ts, std::string_view level, std::string_view msg,
                     const LogFields& fields) {
  writer_.Write(stderr_, FormatLogLine(format_, ts, level, msg, fields), 1);
}

std::shared_ptr<spdlog::logger> LogWriter::MakeLogger(std::string name) {
  return std::make_shared<spdlog::logger>(std::move(name), std::make_shared<SpdlogSink>(*this));
}

}  // namespace probelet::cli
