#include "base/process.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "base/testing/process_wait.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probelet::base {
namespace {

using ::probelet::base::testing::EndsWithin;

using ::testing::HasSubstr;

struct Pipe {
  Pipe() { EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0); }
  ~Pipe() {
    CloseWrite();
    if (fds[0] >= 0) ::close(fds[0]);
  }
  void CloseWrite() {
    if (fds[1] >= 0) ::close(fds[1]);
    fds[1] = -1;
  }
  // Reads to EOF (the writers must be gone or going).
  std::string ReadAll() {
    CloseWrite();
    std::string out;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
  }
  int fds[2] = {-1, -1};
};

// Runs argv with stdout captured; returns (output, wait status).
std::pair<std::string, int> RunCaptured(SpawnOptions opts) {
  Pipe out;
  opts.stdout_fd = out.fds[1];
  auto child = ChildProcess::Spawn(opts);
  EXPECT_TRUE(child.ok()) << (child.ok() ? "" : child.error().message);
  if (!child.ok()) return {"", -1};
  std::string text = out.ReadAll();
  EXPECT_TRUE(EndsWithin(child->pid(), 5000));
  std::optional<int> status = child->TryReap();
  EXPECT_TRUE(status);
  return {text, status.value_or(-1)};
}

std::set<std::string> FdsOf(pid_t pid) {
  std::set<std::string> fds;
  for (const auto& e :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    fds.insert(e.path().filename().string());
  }
  return fds;
}

TEST(ChildProcessTest, ArgvIsPassedUnchangedWithoutAShell) {
  auto [out, status] = RunCaptured(
      {.argv = {"printf", "%s|", "some script", "$(A) $HOME", "'\"quoted\"'", "", "*"}});
  EXPECT_EQ(out, "some script|$(A) $HOME|'\"quoted\"'||*|");
  EXPECT_EQ(status, 0);
}

TEST(ChildProcessTest, EnvironmentReplacesTheParentsWhenGiven) {
  auto [out, status] = RunCaptured({.argv = {"/bin/sh", "-c", "echo \"$FOO:$HOME\""},
                                    .env = std::vector<std::string>{"FOO=bar"}});
  EXPECT_EQ(out, "bar:\n");
}

TEST(ChildProcessTest, WorkingDirectoryIsApplied) {
  auto [out, status] = RunCaptured({.argv = {"pwd"}, .working_dir = "/proc"});
  EXPECT_EQ(out, "/proc\n");
}

TEST(ChildProcessTest, MissingAbsoluteCommandIsAnErrorNamingIt) {
  auto child = ChildProcess::Spawn({.argv = {"/nonexistent/probe-cmd", "x"}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().sys_errno, ENOENT);
  EXPECT_THAT(child.error().message, HasSubstr("/nonexistent/probe-cmd"));
  EXPECT_THAT(child.error().message,
              HasSubstr("fork/exec /nonexistent/probe-cmd: no such file or directory"));
}

TEST(ChildProcessTest, CommandNotInPathIsAnErrorNamingIt) {
  auto child = ChildProcess::Spawn({.argv = {"probelet-no-such-command"}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().sys_errno, ENOENT);
  EXPECT_EQ(child.error().message,
            "exec: \"probelet-no-such-command\": executable file not found in $PATH");
}

TEST(ChildProcessTest, NonExecutableFileIsEaccesNamingIt) {
  std::string path = ::testing::TempDir() + "probelet-not-executable.sh";
  { std::ofstream(path) << "#!/bin/sh\nexit 0\n"; }
  ::chmod(path.c_str(), 0644);  // no x bit: EACCES even for root
  auto child = ChildProcess::Spawn({.argv = {path}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().sys_errno, EACCES);
  EXPECT_THAT(child.error().message, HasSubstr(path));
  std::filesystem::remove(path);
}

TEST(ChildProcessTest, BadWorkingDirectoryIsAnErrorNamingTheCommand) {
  auto child = ChildProcess::Spawn({.argv = {"true"}, .working_dir = "/nonexistent-dir"});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().sys_errno, ENOENT);
  EXPECT_THAT(child.error().message, HasSubstr("\"true\""));
  EXPECT_THAT(child.error().message, HasSubstr("chdir"));
}

TEST(ChildProcessTest, EmptyArgvIsAnError) { EXPECT_FALSE(ChildProcess::Spawn({}).ok()); }

TEST(ChildProcessTest, ChildLeadsItsOwnProcessGroup) {
  auto child = ChildProcess::Spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(::getpgid(child->pid()), child->pid());
  EXPECT_NE(::getpgid(child->pid()), ::getpgid(0));
  auto same = ChildProcess::Spawn({.argv = {"sleep", "30"}, .new_process_group = false});
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(::getpgid(same->pid()), ::getpgid(0));
}

TEST(ChildProcessTest, OnlyStdioIsInheritedEvenWithoutCloexec) {
  int leaked = ::open("/dev/null", O_RDONLY);  // deliberately not O_CLOEXEC
  ASSERT_GE(leaked, 0);
  auto child = ChildProcess::Spawn({.argv = {"sleep", "30"}});
  ::close(leaked);
  ASSERT_TRUE(child.ok());
  // Spawn returns after the exec, but the fd table is not final yet: the dynamic loader of
  // `sleep` opens (and closes) its libraries in the child. An inherited fd would stay open for
  // the child's whole 30 s, so wait (bounded) for the table to settle on stdio alone.
  const std::set<std::string> stdio{"0", "1", "2"};
  std::set<std::string> fds = FdsOf(child->pid());
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
       fds != stdio && std::chrono::steady_clock::now() < deadline; fds = FdsOf(child->pid())) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(fds, stdio);
}

TEST(ChildProcessTest, PidfdIsCloexec) {
  auto child = ChildProcess::Spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(child.ok());
  EXPECT_TRUE(::fcntl(child->pidfd(), F_GETFD) & FD_CLOEXEC);
}

TEST(ChildProcessTest, SwappedStdoutAndStderrAreBothHonoured) {
  Pipe out, err;
  // stdout goes to the err pipe and stderr to the out pipe, through fds 1 and 2 of a child that
  // has them swapped: exercises dup2 ordering with sources below 3.
  auto child = ChildProcess::Spawn({.argv = {"sh", "-c", "echo to-out; echo to-err >&2"},
                                    .stdout_fd = err.fds[1],
                                    .stderr_fd = out.fds[1]});
  ASSERT_TRUE(child.ok());
  EXPECT_EQ(out.ReadAll(), "to-err\n");
  EXPECT_EQ(err.ReadAll(), "to-out\n");
}

TEST(ChildProcessTest, SignalAndTryReap) {
  auto child = ChildProcess::Spawn({.argv = {"sleep", "30"}});
  ASSERT_TRUE(child.ok());
  EXPECT_FALSE(child->TryReap());
  EXPECT_FALSE(child->HasExited());
  ASSERT_TRUE(child->Signal(SIGTERM).ok());
  ASSERT_TRUE(EndsWithin(child->pid(), 10000));
  EXPECT_TRUE(child->HasExited());
  EXPECT_FALSE(child->reaped()) << "HasExited does not reap";
  std::optional<int> got = child->TryReap();
  ASSERT_TRUE(got);
  EXPECT_TRUE(WIFSIGNALED(*got));
  EXPECT_EQ(WTERMSIG(*got), SIGTERM);
  EXPECT_EQ(child->TryReap(), got);
  EXPECT_EQ(::waitpid(child->pid(), nullptr, WNOHANG), -1) << "already reaped";
  EXPECT_FALSE(child->Signal(SIGTERM).ok()) << "no signal to a reaped pid";
  EXPECT_FALSE(child->SignalGroup(SIGTERM).ok());
}

TEST(ChildProcessTest, DestroyingKillsTheWholeGroupIncludingGrandchildren) {
  Pipe out;
  pid_t grandchild = 0;
  pid_t pid = 0;
  {
    auto child = ChildProcess::Spawn(
        {.argv = {"sh", "-c", "trap '' TERM; sleep 30 & echo $!; wait"}, .stdout_fd = out.fds[1]});
    ASSERT_TRUE(child.ok());
    pid = child->pid();
    out.CloseWrite();
    char buf[32] = {};
    ASSERT_GT(::read(out.fds[0], buf, sizeof buf - 1), 0);
    grandchild = std::stoi(buf);
  }
  EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << "reaped, no zombie";
  EXPECT_TRUE(EndsWithin(grandchild, 5000)) << "grandchild " << grandchild << " survived";
}

TEST(ChildProcessTest, DiesWithTheSpawningThread) {
  std::optional<ChildProcess> child;
  std::thread([&] {
    auto spawned = ChildProcess::Spawn({.argv = {"sleep", "30"}});
    ASSERT_TRUE(spawned.ok());
    child.emplace(std::move(*spawned));
  }).join();
  ASSERT_TRUE(child);
  // PR_SET_PDEATHSIG fires when the spawning thread exits; nobody else signals the child.
  ASSERT_TRUE(EndsWithin(child->pid(), 5000));
  std::optional<int> status = child->TryReap();
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGKILL);
}

TEST(ChildProcessTest, UidAndGidAreApplied) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  auto [uid, s2] = RunCaptured({.argv = {"id", "-u"}, .uid = 65534, .gid = 65534});
  auto [groups, s3] = RunCaptured({.argv = {"id", "-G"}, .uid = 65534, .gid = 65534});
  EXPECT_EQ(uid, "65534\n");
  EXPECT_EQ(groups, "65534\n") << "supplementary groups dropped";
}

// A fresh cgroup under `root`, removed afterwards; skipped where cgroups are not writable.
class CgroupDir {
 public:
  explicit CgroupDir(const std::string& root)
      : path_(root + "/probelet-test-" + std::to_string(::getpid())) {
    if (::mkdir(path_.c_str(), 0755) == 0) fd_ = ::open(path_.c_str(), O_DIRECTORY | O_CLOEXEC);
  }
  ~CgroupDir() {
    if (fd_ >= 0) ::close(fd_);
    ::rmdir(path_.c_str());
  }
  int fd() const { return fd_; }
  std::string Procs() const {
    std::ifstream in(path_ + "/cgroup.procs");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

 private:
  std::string path_;
  int fd_ = -1;
};

TEST(ChildProcessTest, StartsInsideTheGivenCgroupV2) {
  CgroupDir cg("/sys/fs/cgroup/unified");
  if (cg.fd() < 0) GTEST_SKIP() << "no writable cgroup v2";
  {
    auto child = ChildProcess::Spawn({.argv = {"sleep", "30"}, .cgroup_fd = cg.fd()});
    ASSERT_TRUE(child.ok()) << child.error().message;
    EXPECT_EQ(cg.Procs(), std::to_string(child->pid()) + "\n");
  }
  EXPECT_EQ(cg.Procs(), "");
}

TEST(ChildProcessTest, FallsBackToCgroupProcsWhenClone3RefusesTheCgroup) {
  // CLONE_INTO_CGROUP only takes a v2 directory; a v1 one makes the child move itself.
  CgroupDir cg("/sys/fs/cgroup/pids");
  if (cg.fd() < 0) GTEST_SKIP() << "no writable cgroup v1 pids hierarchy";
  auto child = ChildProcess::Spawn({.argv = {"sleep", "30"}, .cgroup_fd = cg.fd()});
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_EQ(cg.Procs(), std::to_string(child->pid()) + "\n");
  child->KillAndReap();
}

// ChildSetup: runs in the child before exec; a failure names its step and carries its errno.
int WriteMarker(const void* context, int* step) {
  const char* text = static_cast<const char*>(context);
  size_t n = 0;
  while (text[n] != '\0') ++n;
  if (::write(1, text, n) != static_cast<ssize_t>(n)) {
    *step = 0;
    return errno;
  }
  *step = 1;
  return text[0] == 'F' ? EPERM : 0;
}
constexpr const char* kMarkerSteps[] = {"write marker", "check marker"};

TEST(ChildProcessTest, SetupRunsInTheChildBeforeTheExec) {
  static const char kText[] = "setup;";
  auto [out, status] =
      RunCaptured({.argv = {"echo", "exec"}, .setup = {WriteMarker, kText, kMarkerSteps}});
  EXPECT_EQ(out, "setup;exec\n");
  EXPECT_EQ(status, 0);
}

TEST(ChildProcessTest, SetupFailureIsAnErrorNamingTheStep) {
  static const char kText[] = "F";
  auto child =
      ChildProcess::Spawn({.argv = {"echo", "never"}, .setup = {WriteMarker, kText, kMarkerSteps}});
  ASSERT_FALSE(child.ok());
  EXPECT_EQ(child.error().sys_errno, EPERM);
  EXPECT_THAT(child.error().message, HasSubstr("\"echo\": check marker"));
}

// The child runs in the parent's memory until it execs (CLONE_VM | CLONE_VFORK): a write of
// the setup is seen by the parent. With fork semantics it would go to the child's copy (and
// every spawn would copy the parent's page tables, issue 13).
int SetFlag(const void* context, int* /*step*/) {
  *static_cast<int*>(const_cast<void*>(context)) = 1;
  return 0;
}

TEST(ChildProcessTest, ChildSharesTheParentsMemoryUntilItExecs) {
  int flag = 0;
  auto [out, status] = RunCaptured({.argv = {"echo", "ok"}, .setup = {SetFlag, &flag, nullptr}});
  EXPECT_EQ(out, "ok\n");
  EXPECT_EQ(status, 0);
  EXPECT_EQ(flag, 1);
}

size_t OpenFds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST(ChildProcessTest, SpawnsAndFailuresLeaveNoFdBehind) {
  size_t before = OpenFds();
  for (int i = 0; i < 50; ++i) {
    auto ok = ChildProcess::Spawn({.argv = {"true"}});
    ASSERT_TRUE(ok.ok());
    ok->KillAndReap();
    EXPECT_FALSE(ChildProcess::Spawn({.argv = {"/nonexistent/probelet-cmd"}}).ok());
    EXPECT_FALSE(ChildProcess::Spawn({.argv = {"true"}, .working_dir = "/nonexistent"}).ok());
  }
  EXPECT_EQ(OpenFds(), before);
}

std::string NsOf(const std::string& proc_path) {
  return std::filesystem::read_symlink(proc_path).string();
}

TEST(ChildProcessTest, StartsInTheGivenPidNamespaceAndLeavesTheCallersAlone) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  // A pid namespace with one sleeper in it (unshare's child, pid 1 there).
  auto holder =
      ChildProcess::Spawn({.argv = {"unshare", "--pid", "--fork", "--kill-child", "sleep", "30"}});
  ASSERT_TRUE(holder.ok()) << holder.error().message;
  std::string children_path = "/proc/" + std::to_string(holder->pid()) + "/task/" +
                              std::to_string(holder->pid()) + "/children";
  pid_t sleeper = 0;
  for (int i = 0; i < 200 && sleeper == 0; ++i) {
    std::ifstream in(children_path);
    in >> sleeper;
    if (sleeper == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(sleeper, 0);
  std::string target = NsOf("/proc/" + std::to_string(sleeper) + "/ns/pid");
  ASSERT_NE(target, NsOf("/proc/self/ns/pid"));
  int ns_fd =
      ::open(("/proc/" + std::to_string(sleeper) + "/ns/pid").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ns_fd, 0);
  // $$ is the pid inside: 1 is the sleeper, so the shell gets a small one. It also checks that
  // PR_SET_PDEATHSIG's parent check passes across the namespaces (it would exit 127).
  auto [out, status] = RunCaptured({.argv = {"sh", "-c", "echo $$"}, .pid_namespace_fd = ns_fd});
  ::close(ns_fd);
  EXPECT_EQ(status, 0);
  EXPECT_LT(std::stoi(out.empty() ? "0" : out), 100) << out;
  EXPECT_GT(std::stoi(out.empty() ? "0" : out), 1) << out;
  // The calling thread is back in its own pid namespace for its next children.
  EXPECT_EQ(NsOf("/proc/thread-self/ns/pid_for_children"), NsOf("/proc/self/ns/pid"));
  auto [own, s2] = RunCaptured({.argv = {"sh", "-c", "echo $$"}});
  EXPECT_GT(std::stoi(own.empty() ? "0" : own), 1);
  holder->KillAndReap();
}

}  // namespace
}  // namespace probelet::base
