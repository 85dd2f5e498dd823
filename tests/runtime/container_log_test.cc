#include "runtime/container_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include "runtime/testing/process_util.h"

namespace probelet::runtime {
namespace {

using testing::ReadFile;
using testing::TempDir;

const api::Time kT0 = api::Time(std::chrono::seconds(1'700'000'000)) + std::chrono::nanoseconds(5);
const std::string kTs = "2023-11-14T22:13:20.000000005Z";

class ContainerLogTest : public ::testing::Test {
 protected:
  ContainerLog Open(size_t max_line = 16 * 1024) {
    auto log = ContainerLog::Open(path_, max_line);
    EXPECT_TRUE(log.ok());
    return std::move(log).value();
  }
  std::string Content() { return ReadFile(path_); }

  TempDir dir_;
  std::string path_ = dir_ / "0.log";
};

TEST_F(ContainerLogTest, WritesOneCriEntryPerLineWithStreamAndFullTag) {
  auto log = Open();
  log.Append(LogStream::kStdout, "hello\nworld\n", kT0);
  log.Append(LogStream::kStderr, "oops\n", kT0);
  EXPECT_EQ(Content(),
            kTs + " stdout F hello\n" + kTs + " stdout F world\n" + kTs + " stderr F oops\n");
}

TEST_F(ContainerLogTest, JoinsALineSplitAcrossReadsAndKeepsStreamsApart) {
  auto log = Open();
  log.Append(LogStream::kStdout, "hel", kT0);
  log.Append(LogStream::kStderr, "e1", kT0);
  log.Append(LogStream::kStdout, "lo\n", kT0);
  log.Append(LogStream::kStderr, "\n", kT0);
  EXPECT_EQ(Content(), kTs + " stdout F hello\n" + kTs + " stderr F e1\n");
}

TEST_F(ContainerLogTest, DropsCarriageReturnOfCrLfAndKeepsEmptyLines) {
  auto log = Open();
  log.Append(LogStream::kStdout, "a\r\n\nb\n", kT0);
  EXPECT_EQ(Content(), kTs + " stdout F a\n" + kTs + " stdout F \n" + kTs + " stdout F b\n");
}

TEST_F(ContainerLogTest, SplitsLongLinesIntoPartialEntries) {
  auto log = Open(/*max_line=*/4);
  log.Append(LogStream::kStdout, "abcdefghij\n", kT0);
  // An exactly max_line long line is one F entry.
  log.Append(LogStream::kStdout, "wxyz\n", kT0);
  EXPECT_EQ(Content(), kTs + " stdout P abcd\n" + kTs + " stdout P efgh\n" + kTs +
                           " stdout F ij\n" + kTs + " stdout F wxyz\n");
}

TEST_F(ContainerLogTest, PartialLineWithoutNewlineWaitsThenEndsAsFullAtEof) {
  auto log = Open();
  log.Append(LogStream::kStdout, "no newline", kT0);
  EXPECT_EQ(Content(), "");
  log.EndStream(LogStream::kStdout, kT0);
  EXPECT_EQ(Content(), kTs + " stdout F no newline\n");
}

TEST_F(ContainerLogTest, FailedWritesAreDroppedAndCountedNotBlocking) {
  int fd = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  ContainerLog log(fd, 1024);
  log.Append(LogStream::kStdout, "x\n", kT0);
  std::string entry = kTs + " stdout F x\n";
  EXPECT_EQ(log.dropped_bytes(), entry.size());
  EXPECT_EQ(log.written_bytes(), 0u);
}

}  // namespace
}  // namespace probelet::runtime
