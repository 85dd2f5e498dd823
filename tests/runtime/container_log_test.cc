#include "runtime/container_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>

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
    auto log = ContainerLog::Open(writer_, path_, max_line);
    EXPECT_TRUE(log.ok());
    return std::move(log).value();
  }
  // What is on disk once the writer's thread has written everything queued so far.
  std::string Content() {
    EXPECT_TRUE(writer_.Flush());
    return ReadFile(path_);
  }

  base::AsyncWriter writer_;
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
  base::UniqueFd fd(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(fd.valid());
  ContainerLog log(writer_, std::move(fd), 1024);
  log.Append(LogStream::kStdout, "x\n", kT0);
  ASSERT_TRUE(writer_.Flush());
  std::string entry = kTs + " stdout F x\n";
  EXPECT_EQ(log.dropped_bytes(), entry.size());
  EXPECT_EQ(log.written_bytes(), 0u);
  EXPECT_EQ(writer_.dropped_lines(), 1u);
}

// Issue 9 point 6: a log whose file cannot take more (here a pipe nobody reads, as a stuck
// disk) must not block the caller, the event loop: Append returns at once, and what the writer
// cannot queue is dropped and counted. Before, Append wrote synchronously and blocked.
TEST_F(ContainerLogTest, AFullPipeNeverBlocksAppendAndTheOverflowIsCounted) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  base::UniqueFd read_end(fds[0]);
  base::AsyncWriter small(64 * 1024, std::chrono::milliseconds(100));
  ContainerLog log(small, base::UniqueFd(fds[1]), 1024);
  const std::string line(1000, 'x');
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 1000; ++i) log.Append(LogStream::kStdout, line + "\n", kT0);  // ~1 MB
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_LT(took, std::chrono::seconds(1)) << "Append waited for the pipe";
  // The pipe (64 KiB) and the queue (64 KiB) hold ~128 lines; the rest was dropped, counted.
  EXPECT_GT(small.dropped_lines(), 800u);
  EXPECT_EQ(small.dropped_lines(), log.counters()->dropped_lines.load());
  // `small` is destroyed with a write still blocked: its destructor returns after its limit.
}
}  // namespace
}  // namespace probelet::runtime
