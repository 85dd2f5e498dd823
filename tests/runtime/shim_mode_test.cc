// The process runtime's shim mode (issue 12): containers under the real probelet-shim, their
// exit and log recorded by the shim, their checkpoint, and adoption by a second runtime on the
// same state dir (as a restarted probelet does), both in cgroup and process-group mode.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <thread>

#include "base/asio_clock.h"
#include "runtime/container_checkpoint.h"
#include "runtime/process_runtime.h"
#include "runtime/shim_spec.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime {
namespace {

using namespace std::chrono_literals;
using testing::IsRunning;
using testing::ReadFile;
using testing::RunUntil;
using testing::TempDir;

class ShimModeTest : public ::testing::TestWithParam<bool> {
 protected:
  ShimModeTest() { rt_ = Make(); }
  ~ShimModeTest() override {
    // Whatever a test left running is killed with the runtime (not detached); the shims,
    // children of this process, exit after recording it and are reaped here, so that no
    // zombie is left for the tests that count them.
    rt_.reset();
    for (int i = 0; i < 200; ++i) {
      pid_t r = ::waitpid(-1, nullptr, WNOHANG);
      if (r < 0 && errno == ECHILD) break;
      if (r == 0) std::this_thread::sleep_for(10ms);
    }
  }
  std::unique_ptr<ProcessRuntime> Make() {
    ProcessRuntimeOptions options;
    options.use_cgroups = GetParam();
    options.state_dir = dir_ / "state";
    options.shim_path = PROBELET_SHIM_BINARY;
    auto rt = std::make_unique<ProcessRuntime>(io_, clock_, options);
    rt->SetExitHandler([this](const ContainerStatus& s) { exits_.push_back(s); });
    return rt;
  }
  ContainerConfig Config(std::string script) {
    ContainerConfig config;
    config.container.name = "app";
    config.container.command = {"/bin/sh", "-c", std::move(script)};
    config.pod = PodContext{"web-0", "shop", "uid-1", "127.0.0.1"};
    config.restart_count = 3;
    config.log_directory = dir_ / "pods/app";
    config.termination_grace_period_seconds = 7;
    return config;
  }
  std::string Start(const std::string& script) {
    auto id = rt_->CreateContainerNow(Config(script));
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) return "";
    auto st = rt_->StartContainerNow(*id);
    EXPECT_TRUE(st.ok()) << st.error().message;
    return *id;
  }
  ContainerStatus WaitExited(const std::string& id) {
    RunUntil(
        io_, [&] { return rt_->GetContainerStatus(id)->state == ContainerState::kExited; }, 10s);
    return *rt_->GetContainerStatus(id);
  }

  TempDir dir_;
  boost::asio::io_context io_;
  base::AsioClock clock_{io_};
  std::unique_ptr<ProcessRuntime> rt_;
  std::vector<ContainerStatus> exits_;
};

TEST_P(ShimModeTest, TheShimRecordsTheExitCodeAndWritesTheLog) {
  std::string id = Start("echo hello; echo oops >&2; exit 3");
  ContainerStatus st = WaitExited(id);
  EXPECT_EQ(st.exit_code, 3);
  EXPECT_EQ(st.reason, "Error");
  EXPECT_GE(st.finished_at, st.started_at);
  EXPECT_EQ(st.pod_uid, "uid-1");
  EXPECT_EQ(st.restart_count, 3);
  ASSERT_EQ(exits_.size(), 1u);
  std::string log = ReadFile(st.log_path);
  EXPECT_NE(log.find(" stdout F hello\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F oops\n"), std::string::npos) << log;
}

TEST_P(ShimModeTest, AStartErrorNamesTheExecutable) {
  auto id = rt_->CreateContainerNow([&] {
    auto c = Config("");
    c.container.command = {"/nonexistent/app"};
    return c;
  }());
  ASSERT_TRUE(id.ok());
  auto st = rt_->StartContainerNow(*id);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find("/nonexistent/app"), std::string::npos) << st.error().message;
  EXPECT_EQ(rt_->GetContainerStatus(*id)->reason, "StartError");
}

TEST_P(ShimModeTest, StopSendsSigtermToTheContainerThenSigkillAfterTheGrace) {
  std::string id = Start("trap '' TERM; while true; do sleep 0.1; done");
  RunUntil(
      io_, [] { return false; }, 200ms);
  std::optional<base::Status> stopped;
  auto begin = std::chrono::steady_clock::now();
  rt_->StopContainer(id, 500ms, [&](base::Status s) { stopped = s; });
  ASSERT_TRUE(RunUntil(
      io_, [&] { return stopped.has_value(); }, 10s));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 450ms);
  EXPECT_EQ(rt_->GetContainerStatus(id)->exit_code, 137);
}

TEST_P(ShimModeTest, ASecondRuntimeAdoptsARunningContainerAndSeesItsExit) {
  std::string file = dir_ / "go";
  std::string id = Start("echo $$$$ > " + std::string(dir_ / "pid") + "; while [ ! -e " + file +
                         " ]; do sleep 0.05; done; echo bye; exit 5");
  // The shell's redirect makes the file before echo writes to it: wait for the whole line.
  ASSERT_TRUE(RunUntil(
      io_, [&] { return ReadFile(dir_ / "pid").ends_with('\n'); }, 5s));
  pid_t pid = std::stoi(ReadFile(dir_ / "pid"));
  auto before = *rt_->GetContainerStatus(id);
  rt_->Detach();
  rt_.reset();  // as a probelet that exits and leaves its containers
  ASSERT_TRUE(IsRunning(pid)) << "the container died with its runtime";

  rt_ = Make();
  ASSERT_TRUE(rt_->Adopt().ok());
  auto adopted = rt_->GetContainerStatus(id);
  ASSERT_TRUE(adopted.has_value());
  EXPECT_EQ(adopted->state, ContainerState::kRunning);
  EXPECT_EQ(adopted->pid, pid);
  EXPECT_EQ(adopted->started_at, before.started_at);
  EXPECT_EQ(adopted->restart_count, 3);
  EXPECT_EQ(adopted->termination_grace_period_seconds, 7);
  // Exec into the adopted container still works (its environment and cgroup are known).
  std::optional<ExecSyncResult> exec;
  rt_->ExecSync(id, {"/bin/echo", "in"}, 5s, [&](ExecSyncResult r) { exec = std::move(r); });
  ASSERT_TRUE(RunUntil(
      io_, [&] { return exec.has_value(); }, 10s));
  EXPECT_EQ(exec->output, "in\n");

  std::ofstream(file) << "";
  ContainerStatus st = WaitExited(id);
  EXPECT_EQ(st.exit_code, 5);
  ASSERT_EQ(exits_.size(), 1u);
  EXPECT_NE(ReadFile(st.log_path).find("stdout F bye"), std::string::npos);
}

TEST_P(ShimModeTest, AContainerThatEndedWhileNoRuntimeWatchedIsAdoptedExited) {
  std::string file = dir_ / "go";
  std::string id = Start("while [ ! -e " + file + " ]; do sleep 0.05; done; exit 7");
  rt_->Detach();
  rt_.reset();
  std::ofstream(file) << "";
  const std::string exit_file = dir_ / ("state/containers/" + id.substr(11) + "/exit");
  for (int i = 0; i < 200 && !std::filesystem::exists(exit_file); ++i) {
    std::this_thread::sleep_for(25ms);
  }
  ASSERT_TRUE(std::filesystem::exists(exit_file));
  rt_ = Make();
  ASSERT_TRUE(rt_->Adopt().ok());
  auto st = rt_->GetContainerStatus(id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, ContainerState::kExited);
  EXPECT_EQ(st->exit_code, 7);
  // Removing it removes its checkpoint: the next runtime adopts nothing.
  ASSERT_TRUE(rt_->RemoveContainer(id).ok());
  rt_ = Make();
  ASSERT_TRUE(rt_->Adopt().ok());
  EXPECT_TRUE(rt_->ListContainers().empty());
}

TEST_P(ShimModeTest, ARecycledShimPidIsNotAdopted) {
  std::string id = Start("sleep 30");
  std::string record = dir_ / ("state/containers/" + id.substr(11) + "/record");
  rt_->Detach();
  rt_.reset();
  auto cp = DecodeContainerCheckpoint(ReadFile(record));
  ASSERT_TRUE(cp.ok());
  pid_t shim = cp->shim_pid;
  cp->shim_start = "1";  // the pid now names another process
  ASSERT_TRUE(WriteFileAtomically(record, EncodeContainerCheckpoint(*cp)).ok());
  rt_ = Make();
  ASSERT_TRUE(rt_->Adopt().ok());
  auto st = rt_->GetContainerStatus(id);
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->state, ContainerState::kExited) << "a process that is not its shim was adopted";
  ::kill(shim, SIGKILL);  // the real shim: its container dies with it
}

TEST_P(ShimModeTest, ACorruptedCheckpointIsAnErrorNamingTheFileAndNothingIsAdopted) {
  std::string id = Start("sleep 30");
  std::string record = dir_ / ("state/containers/" + id.substr(11) + "/record");
  auto pid = rt_->GetContainerStatus(id)->pid;
  rt_->Detach();
  rt_.reset();
  std::ofstream(record) << "{\"version\": 9}";
  rt_ = Make();
  base::Status st = rt_->Adopt();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.error().message.find(record), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find("version 9"), std::string::npos) << st.error().message;
  EXPECT_TRUE(rt_->ListContainers().empty());
  EXPECT_TRUE(IsRunning(pid));
  rt_->Detach();
  ::kill(pid, SIGKILL);
}

TEST(ShimSpecTest, EncodesAndDecodesEveryField) {
  ShimSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo 'a b'\n"};
  spec.env = {"A=1", "B="};
  spec.working_dir = "/tmp";
  spec.uid = 1000;
  spec.gid = 100;
  spec.log = true;
  spec.cgroup = true;
  spec.max_log_line = 99;
  spec.drain_ms = 5;
  auto back = DecodeShimSpec(EncodeShimSpec(spec));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->argv, spec.argv);
  EXPECT_EQ(back->env, spec.env);
  EXPECT_EQ(back->working_dir, "/tmp");
  EXPECT_EQ(back->uid, 1000u);
  EXPECT_EQ(back->gid, 100u);
  EXPECT_TRUE(back->log && back->cgroup);
  EXPECT_EQ(back->max_log_line, 99u);
  EXPECT_EQ(back->drain_ms, 5u);
  EXPECT_FALSE(DecodeShimSpec(std::string("a:x")).ok());  // unterminated
  EXPECT_FALSE(DecodeShimSpec(std::string("z:x\0", 4)).ok());
  EXPECT_FALSE(DecodeShimExit("12 34").ok());
  auto exit = DecodeShimExit(EncodeShimExit({256, 42}));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->wait_status, 256);
  EXPECT_EQ(exit->finished_unix_ns, 42);
}

INSTANTIATE_TEST_SUITE_P(Modes, ShimModeTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Cgroup" : "ProcessGroup"; });

}  // namespace
}  // namespace probelet::runtime
