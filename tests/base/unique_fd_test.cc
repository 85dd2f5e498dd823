#include "base/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <utility>

namespace probelet::base {
namespace {

bool IsOpen(int fd) { return ::fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFdTest, ClosesOnDestructionAndOnReset) {
  int raw = -1;
  {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    raw = fd.get();
    ASSERT_TRUE(fd.valid());
    ASSERT_TRUE(IsOpen(raw));
  }
  EXPECT_FALSE(IsOpen(raw));

  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  raw = fd.get();
  fd.Reset();
  EXPECT_FALSE(IsOpen(raw));
  EXPECT_FALSE(fd.valid());
}

TEST(UniqueFdTest, MoveTransfersOwnershipAndReleaseGivesItUp) {
  UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): the moved-from state is the point
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(IsOpen(raw));
  const int released = c.Release();
  EXPECT_EQ(released, raw);
  EXPECT_FALSE(c.valid());
  EXPECT_TRUE(IsOpen(raw));  // no longer ours to close
  ::close(released);
}

TEST(UniqueFdTest, AssigningOverAnOpenFdClosesTheOldOne) {
  UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  UniqueFd b(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int old = a.get();
  a = std::move(b);
  EXPECT_FALSE(IsOpen(old));
  EXPECT_TRUE(a.valid());
}

TEST(PipeTest, EndsAreCloseOnExecAndConnected) {
  auto pipe = Pipe::Make();
  ASSERT_TRUE(pipe.ok()) << pipe.error().message;
  EXPECT_TRUE(::fcntl(pipe->read.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(::fcntl(pipe->write.get(), F_GETFD) & FD_CLOEXEC);
  ASSERT_EQ(::write(pipe->write.get(), "x", 1), 1);
  pipe->write.Reset();
  char buf[2];
  EXPECT_EQ(::read(pipe->read.get(), buf, sizeof buf), 1);
  EXPECT_EQ(::read(pipe->read.get(), buf, sizeof buf), 0);  // EOF: the write end is closed
}

}  // namespace
}  // namespace probelet::base
