// Direct exec against real containers of a private containerd: what the command sees is what
// `runc exec` (CRI ExecSync) gives it, and the refusals.
#include "runtime/cri/direct_exec.h"

#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <thread>

#include "base/asio_clock.h"
#include "gmock/gmock.h"
#include "runtime/cri/testing/containerd_fixture.h"
#include "runtime/cri/testing/running_container.h"

namespace probelet::runtime::cri {
namespace {

using namespace std::chrono_literals;
using testing::ContainerdTest;
using ::testing::HasSubstr;
using testing::RunningContainer;
using Clock = std::chrono::steady_clock;

class DirectExecTest : public ContainerdTest {
 protected:
  void SetUp() override {
    ContainerdTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto client = NewCriClient(io_, containerd().endpoint());
    ASSERT_TRUE(client.ok()) << client.error().message;
    client_ = std::move(*client);
  }
  void TearDown() override {
    for (const auto& id : sandboxes_) testing::RemoveSandbox(io_, *client_, id);
  }

  // A running `sleep` container (customized), its sandbox removed at the end of the test.
  RunningContainer Start(const std::string& name,
                         const std::function<void(v1::ContainerConfig&)>& customize = nullptr) {
    auto c =
        testing::StartContainer(io_, *client_, containerd(), name, {"sleep", "1000"}, customize);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().message + "\n" + containerd().LogTail());
    if (!c.ok()) return {};
    sandboxes_.push_back(c->sandbox_id);
    return *c;
  }

  base::CommandResult Direct(pid_t pid, std::vector<std::string> argv,
                             base::Duration timeout = 10s) {
    std::optional<base::CommandResult> result;
    auto command = RunInContainer(io_, clock_, pid, std::move(argv), timeout,
                                  [&](base::CommandResult r) { result = std::move(r); });
    io_.restart();
    while (!result && io_.run_one_for(30s) > 0) {
    }
    EXPECT_TRUE(result.has_value()) << "no result";
    return result.value_or(base::CommandResult{});
  }

  // Direct exec and ExecSync of `cmd` agree on exit code and output.
  void ExpectSameAsExecSync(const RunningContainer& c, const std::vector<std::string>& cmd) {
    auto direct = Direct(c.pid, cmd);
    auto exec_sync = testing::ExecSync(io_, *client_, c.container_id, cmd);
    ASSERT_TRUE(exec_sync.ok()) << exec_sync.error().message;
    ASSERT_EQ(direct.status, base::CommandResult::Status::kExited) << direct.error;
    EXPECT_EQ(direct.exit_code, exec_sync->first) << cmd.back();
    EXPECT_EQ(direct.output, exec_sync->second) << cmd.back();
  }

  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  std::unique_ptr<CriClient> client_;
  std::vector<std::string> sandboxes_;
};

TEST_F(DirectExecTest, SeesTheContainersRootHostnamePidsEnvAndWorkingDir) {
  auto c = Start("plain", [](v1::ContainerConfig& config) {
    auto* env = config.add_envs();
    env->set_key("PROBE_GREETING");
    env->set_value("hello from the spec");
    config.set_working_dir("/www");
  });
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(CannotRunDirect(c.pid), "");
  auto file = Direct(c.pid, {"cat", "/www/index.html"});  // a file only in the image
  ASSERT_EQ(file.status, base::CommandResult::Status::kExited) << file.error;
  EXPECT_EQ(file.output, "probelet-test\n");
  auto self = Direct(c.pid, {"sh", "-c", "echo $$"});
  EXPECT_LT(std::stoi(self.output.empty() ? "0" : self.output), 100) << self.output;
  auto ps = Direct(c.pid, {"ps", "-o", "pid,args"});
  EXPECT_THAT(ps.output, HasSubstr("    1 sleep 1000")) << ps.output;
  EXPECT_EQ(Direct(c.pid, {"sh", "-c", "echo $PROBE_GREETING"}).output, "hello from the spec\n");
  EXPECT_EQ(Direct(c.pid, {"pwd"}).output, "/www\n");
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"hostname"},
           {"id"},
           {"pwd"},
           {"sh", "-c", "env | sort"},
           {"sh", "-c", "grep -E '^(Cap|NoNewPrivs|Seccomp|Groups)' /proc/self/status"},
           {"sh", "-c", "cat /proc/self/cgroup"},
           {"sh", "-c", "ls -l /proc/self/ns | cut -c40-"},
           {"sh", "-c", "umask; ulimit -n"}}) {
    ExpectSameAsExecSync(c, cmd);
  }
}

TEST_F(DirectExecTest, RunsAsTheContainersUserWithItsCapabilities) {
  auto c = Start("user", [](v1::ContainerConfig& config) {
    auto* sc = config.mutable_linux()->mutable_security_context();
    sc->mutable_run_as_user()->set_value(1000);
    sc->mutable_run_as_group()->set_value(1000);
    sc->set_no_new_privs(true);
    sc->mutable_capabilities()->add_drop_capabilities("NET_RAW");
  });
  ASSERT_GT(c.pid, 0);
  EXPECT_EQ(Direct(c.pid, {"id", "-u"}).output, "1000\n");
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"id"}, {"sh", "-c", "grep -E '^(Cap|NoNewPrivs|Groups|Uid|Gid)' /proc/self/status"}}) {
    ExpectSameAsExecSync(c, cmd);
  }
}

TEST_F(DirectExecTest, ExitCodesOutputAndMissingExecutable) {
  auto c = Start("codes");
  ASSERT_GT(c.pid, 0);
  auto three = Direct(c.pid, {"sh", "-c", "echo out; echo err >&2; exit 3"});
  ASSERT_EQ(three.status, base::CommandResult::Status::kExited) << three.error;
  EXPECT_EQ(three.exit_code, 3);
  EXPECT_EQ(three.output, "out\nerr\n");
  auto missing = Direct(c.pid, {"no-such-probe"});
  EXPECT_EQ(missing.status, base::CommandResult::Status::kError);
  EXPECT_THAT(missing.error, HasSubstr("exec: \"no-such-probe\": executable file not found"));
  // A host binary is not in the container's root.
  auto host_only = Direct(c.pid, {"/usr/bin/env"});
  EXPECT_EQ(host_only.status, base::CommandResult::Status::kError);
}

TEST_F(DirectExecTest, TimeoutKillsTheGroupEvenWithABackgroundChildHoldingThePipe) {
  auto c = Start("timeout");
  ASSERT_GT(c.pid, 0);
  auto before = Clock::now();
  auto r = Direct(c.pid, {"sh", "-c", "sleep 101 & echo started; exit 0"}, 700ms);
  auto took = Clock::now() - before;
  EXPECT_EQ(r.status, base::CommandResult::Status::kTimedOut);
  EXPECT_EQ(r.output, "started\n");
  EXPECT_GE(took, 650ms);
  EXPECT_LT(took, 2s);
  // Nothing of it is left in the container (the group was killed; the init reaps it).
  std::string left = "?";
  for (int i = 0; i < 50 && left != ""; ++i) {
    left = Direct(c.pid, {"sh", "-c", "ps -o args | grep '^sleep 101' || true"}).output;
    if (left != "") std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(left, "");
}

TEST_F(DirectExecTest, DestroyingTheHandleKillsAndNeverCallsBack) {
  auto c = Start("cancel");
  ASSERT_GT(c.pid, 0);
  bool called = false;
  auto command = RunInContainer(io_, clock_, c.pid, {"sleep", "102"}, 30s,
                                [&](base::CommandResult) { called = true; });
  pid_t pid = command->pid();
  ASSERT_GT(pid, 0);
  command.reset();
  io_.restart();
  io_.poll();
  EXPECT_FALSE(called);
  EXPECT_NE(::kill(pid, 0), 0) << "still running";
}

TEST_F(DirectExecTest, RefusesAGoneProcessAndASeccompFilteredContainer) {
  pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  EXPECT_THAT(CannotRunDirect(gone), HasSubstr("pidfd_open"));
  auto r = Direct(gone, {"true"});
  EXPECT_EQ(r.status, base::CommandResult::Status::kError);

  auto c = Start("seccomp", [](v1::ContainerConfig& config) {
    config.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
        v1::SecurityProfile::RuntimeDefault);
  });
  ASSERT_GT(c.pid, 0);
  EXPECT_THAT(CannotRunDirect(c.pid), HasSubstr("seccomp filter mode"));
  auto refused = Direct(c.pid, {"true"});
  EXPECT_EQ(refused.status, base::CommandResult::Status::kError);
  EXPECT_THAT(refused.error, HasSubstr("seccomp"));
}

}  // namespace
}  // namespace probelet::runtime::cri
