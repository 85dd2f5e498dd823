// probelet run's log line formats: plain text and JSON on a terminal or file, and the journald
// form (syslog priority prefix, no timestamp of its own) when $JOURNAL_STREAM names stderr.
#include "cli/log_writer.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

namespace probelet::cli {
namespace {

// 2023-11-14T22:13:20.123456789Z
const api::Time kTs = api::Time(std::chrono::nanoseconds(1'700'000'000'123'456'789));

TEST(LogLineTest, TextOnATerminalStartsWithItsTimestamp) {
  EXPECT_EQ(FormatLogLine({}, kTs, "info", "pod added", {{"pod", "default/web"}}),
            "2023-11-14T22:13:20.123Z info pod added pod=default/web\n");
}

TEST(LogLineTest, TextQuotesValuesWithSpacesQuotesOrEqualsAndEmptyOnes) {
  EXPECT_EQ(FormatLogLine({}, kTs, "warning", "m", {{"a", "x y"}, {"b", ""}, {"c", "k=v"}}),
            "2023-11-14T22:13:20.123Z warning m a=\"x y\" b=\"\" c=\"k=v\"\n");
}

TEST(LogLineTest, UnderJournaldTextHasThePriorityPrefixAndNoTimestamp) {
  LogFormat journal{.json = false, .journal = true};
  EXPECT_EQ(FormatLogLine(journal, kTs, "info", "pod added", {{"pod", "default/web"}}),
            "<6>info pod added pod=default/web\n");
  EXPECT_EQ(FormatLogLine(journal, kTs, "warning", "Liveness probe failed", {}),
            "<4>warning Liveness probe failed\n");
  EXPECT_EQ(FormatLogLine(journal, kTs, "error", "port busy", {}), "<3>error port busy\n");
}

TEST(LogLineTest, UnderJournaldJsonIsPrefixedAndKeepsItsTimestampField) {
  std::string line = FormatLogLine({.json = true, .journal = true}, kTs, "warning", "m", {});
  ASSERT_EQ(line.rfind("<4>{", 0), 0u) << line;
  auto j = nlohmann::json::parse(line.substr(3));
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["ts"], "2023-11-14T22:13:20.123456789Z");
}

TEST(LogLineTest, SyslogPrioritiesOfEveryLevel) {
  EXPECT_EQ(SyslogPriority("critical"), 2);
  EXPECT_EQ(SyslogPriority("error"), 3);
  EXPECT_EQ(SyslogPriority("warning"), 4);
  EXPECT_EQ(SyslogPriority("warn"), 4);
  EXPECT_EQ(SyslogPriority("info"), 6);
  EXPECT_EQ(SyslogPriority("debug"), 7);
  EXPECT_EQ(SyslogPriority("trace"), 7);
  EXPECT_EQ(SyslogPriority("something else"), 6);
}

TEST(JournalStreamTest, MatchesOnlyTheDeviceAndInodeOfTheFd) {
  char path[] = "/tmp/probelet-log-writer-test-XXXXXX";
  int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  struct stat st {};
  ASSERT_EQ(::fstat(fd, &st), 0);
  std::string value = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  EXPECT_TRUE(IsJournalStream(fd, value.c_str()));
  std::string other = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1);
  EXPECT_FALSE(IsJournalStream(fd, other.c_str()));
  EXPECT_FALSE(IsJournalStream(fd, nullptr));
  EXPECT_FALSE(IsJournalStream(fd, ""));
  EXPECT_FALSE(IsJournalStream(fd, (value + "x").c_str()));
  EXPECT_FALSE(IsJournalStream(fd, std::to_string(st.st_dev).c_str()));
  ::close(fd);
  EXPECT_FALSE(IsJournalStream(fd, value.c_str()));  // closed: cannot be stat'ed
  ::unlink(path);
}

}  // namespace
}  // namespace probelet::cli
