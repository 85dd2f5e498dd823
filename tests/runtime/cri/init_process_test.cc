// /proc parsing for direct exec: fixed texts, and this process read live.
#include "runtime/cri/init_process.h"

#include <sys/stat.h>
#include <unistd.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probelet::runtime::cri {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr const char* kStatus =
    "Name:\tsleep\nUmask:\t0027\nState:\tS (sleeping)\nUid:\t1000\t1001\t1002\t1003\n"
    "Gid:\t2000\t2001\t2002\t2003\nFDSize:\t64\nGroups:\t10 20 3000 \nNStgid:\t1\n"
    "CapInh:\t0000000000000000\nCapPrm:\t00000000a80425fb\nCapEff:\t00000000a80425fb\n"
    "CapBnd:\t00000000a80425fb\nCapAmb:\t0000000000000400\nNoNewPrivs:\t1\nSeccomp:\t2\n"
    "Seccomp_filters:\t1\n";

TEST(InitProcessTest, ParsesStatus) {
  auto st = ParseProcStatus(kStatus);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->uid, 1001u) << "the effective uid";
  EXPECT_EQ(st->gid, 2001u);
  EXPECT_THAT(st->groups, ElementsAre(10u, 20u, 3000u));
  EXPECT_EQ(st->cap_inheritable, 0u);
  EXPECT_EQ(st->cap_permitted, 0xa80425fbu);
  EXPECT_EQ(st->cap_effective, 0xa80425fbu);
  EXPECT_EQ(st->cap_bounding, 0xa80425fbu);
  EXPECT_EQ(st->cap_ambient, 0x400u);
  EXPECT_TRUE(st->no_new_privs);
  EXPECT_EQ(st->seccomp, 2);
  EXPECT_EQ(st->umask, 027);
}

TEST(InitProcessTest, EmptyGroupsAndNoUmaskLine) {
  std::string text = kStatus;
  text.replace(text.find("Groups:\t10 20 3000 "), 19, "Groups:\t");
  text.erase(text.find("Umask:\t0027\n"), 12);
  auto st = ParseProcStatus(text);
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_TRUE(st->groups.empty());
  EXPECT_EQ(st->umask, -1);
}

TEST(InitProcessTest, MissingOrMalformedLinesAreErrors) {
  std::string no_seccomp = kStatus;
  no_seccomp.erase(no_seccomp.find("Seccomp:\t2\n"), 11);
  auto a = ParseProcStatus(no_seccomp);
  ASSERT_FALSE(a.ok());
  EXPECT_THAT(a.error().message, HasSubstr("Seccomp"));
  std::string bad_cap = kStatus;
  bad_cap.replace(bad_cap.find("CapBnd:\t"), 9, "CapBnd:\tz");
  EXPECT_FALSE(ParseProcStatus(bad_cap).ok());
  EXPECT_FALSE(ParseProcStatus("").ok());
}

TEST(InitProcessTest, ParsesEnviron) {
  std::string text("PATH=/bin\0HOME=/root\0EMPTY=\0", 27);
  EXPECT_THAT(ParseEnviron(text), ElementsAre("PATH=/bin", "HOME=/root", "EMPTY="));
  EXPECT_TRUE(ParseEnviron("").empty());
}

TEST(InitProcessTest, ParsesLimits) {
  auto limits = ParseLimits(
      "Limit                     Soft Limit           Hard Limit           Units     \n"
      "Max cpu time              unlimited            unlimited            seconds   \n"
      "Max file size             unlimited            unlimited            bytes     \n"
      "Max data size             unlimited            unlimited            bytes     \n"
      "Max stack size            8388608              unlimited            bytes     \n"
      "Max realtime priority     0                    0                    \n");
  ASSERT_TRUE(limits.ok()) << limits.error().message;
  ASSERT_EQ(limits->size(), 5u);
  EXPECT_EQ((*limits)[0].rlim_cur, RLIM_INFINITY);
  EXPECT_EQ((*limits)[3].rlim_cur, 8388608u);
  EXPECT_EQ((*limits)[3].rlim_max, RLIM_INFINITY);
  EXPECT_EQ((*limits)[4].rlim_max, 0u);
  EXPECT_FALSE(ParseLimits("header\nMax cpu time   what\n").ok());
}

constexpr const char* kMountinfo =
    "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset,clone_children\n"
    "33 30 0:30 /sub /mnt/cpuset-bind rw - cgroup cgroup rw,cpuset\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(InitProcessTest, ParsesCgroupsAndFindsTheirMounts) {
  auto entries = ParseProcCgroup(
      "12:cpu,cpuacct:/kubepods/pod1/c1\n3:cpuset:/kubepods/pod1/c1\n1:name=systemd:/\n"
      "0::/kubepods/pod1/c1\n5:memory:/x\n");
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].hierarchy, 12);
  EXPECT_EQ(entries[0].controllers, "cpu,cpuacct");
  EXPECT_EQ(entries[0].path, "/kubepods/pod1/c1");
  EXPECT_EQ(CgroupMountPoint(kMountinfo, entries[0]), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(CgroupMountPoint(kMountinfo, entries[1]), "/sys/fs/cgroup/cpuset")
      << "the hierarchy's root, not a bind of a sub-cgroup";
  EXPECT_EQ(CgroupMountPoint(kMountinfo, entries[2]), "/sys/fs/cgroup/systemd");
  EXPECT_EQ(CgroupMountPoint(kMountinfo, entries[3]), "/sys/fs/cgroup/unified");
  EXPECT_EQ(CgroupMountPoint(kMountinfo, entries[4]), "") << "memory is not mounted";
  EXPECT_EQ(CgroupMountPoint(kMountinfo, {1, "cpu", "/"}), "")
      << "cpu alone is not the cpu,cpuacct hierarchy";
}

TEST(InitProcessTest, ReadsThisProcess) {
  auto self = ReadInitProcess(::getpid());
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->status.uid, ::geteuid());
  EXPECT_EQ(self->status.gid, ::getegid());
  EXPECT_FALSE(self->env.empty());
  char cwd[4096];
  ASSERT_NE(::getcwd(cwd, sizeof cwd), nullptr);
  EXPECT_EQ(self->cwd, cwd);
  EXPECT_FALSE(self->cgroups.empty());
  EXPECT_EQ(self->limits.size(), static_cast<size_t>(RLIM_NLIMITS));
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/ns/net", &st), 0);
  EXPECT_EQ(self->namespaces.net, st.st_ino);
  EXPECT_NE(self->namespaces.mnt, 0u);
}

TEST(InitProcessTest, GoneProcessIsAnError) {
  auto gone = ReadInitProcess(0x3ffffff0);
  ASSERT_FALSE(gone.ok());
  EXPECT_THAT(gone.error().message, HasSubstr("/proc/"));
}

}  // namespace
}  // namespace probelet::runtime::cri
