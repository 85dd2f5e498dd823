// The pure CRI -> runtime mappings of cri_status.h, table-tested without containerd.
#include "runtime/cri/cri_status.h"

#include <gtest/gtest.h>

namespace probelet::runtime::cri {
namespace {

using namespace std::chrono_literals;

constexpr int64_t kSecond = 1'000'000'000;

v1::ContainerStatus Cri(v1::ContainerState state, int32_t exit_code, const std::string& reason,
                        int64_t started, int64_t finished) {
  v1::ContainerStatus s;
  s.set_id("abc");
  s.mutable_metadata()->set_name("app");
  s.set_state(state);
  s.set_exit_code(exit_code);
  s.set_reason(reason);
  s.set_message(reason == "StartError" ? "exec: no such file" : "");
  s.set_created_at(1 * kSecond);
  s.set_started_at(started);
  s.set_finished_at(finished);
  s.mutable_image()->set_image("localhost/probelet-test:1");
  s.set_image_ref("sha256:1234");
  s.set_log_path("/logs/app/0.log");
  return s;
}

TEST(CriStatusTest, MapsStatesExitCodesReasonsAndSignals) {
  struct Case {
    const char* name;
    v1::ContainerStatus in;
    ContainerState state;
    int32_t exit_code, signal;
    std::string reason;
  };
  const Case cases[] = {
      {"created", Cri(v1::CONTAINER_CREATED, 0, "", 0, 0), ContainerState::kCreated, 0, 0, ""},
      {"running", Cri(v1::CONTAINER_RUNNING, 0, "", 2 * kSecond, 0), ContainerState::kRunning, 0, 0,
       ""},
      {"completed", Cri(v1::CONTAINER_EXITED, 0, "Completed", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 0, 0, "Completed"},
      {"error", Cri(v1::CONTAINER_EXITED, 3, "Error", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 3, 0, "Error"},
      {"sigkill", Cri(v1::CONTAINER_EXITED, 137, "Error", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 137, 9, "Error"},
      {"sigterm", Cri(v1::CONTAINER_EXITED, 143, "Error", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 143, 15, "Error"},
      {"exit 128 is no signal", Cri(v1::CONTAINER_EXITED, 128, "StartError", 0, 3 * kSecond),
       ContainerState::kExited, 128, 0, "StartError"},
      {"oom", Cri(v1::CONTAINER_EXITED, 137, "OOMKilled", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 137, 9, "OOMKilled"},
      {"cannot run", Cri(v1::CONTAINER_EXITED, 128, "ContainerCannotRun", 0, 3 * kSecond),
       ContainerState::kExited, 128, 0, "ContainerCannotRun"},
      {"no reason, 0", Cri(v1::CONTAINER_EXITED, 0, "", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 0, 0, "Completed"},
      {"no reason, 1", Cri(v1::CONTAINER_EXITED, 1, "", 2 * kSecond, 3 * kSecond),
       ContainerState::kExited, 1, 0, "Error"},
      {"unknown", Cri(v1::CONTAINER_UNKNOWN, 0, "", 2 * kSecond, 0), ContainerState::kExited, 0, 0,
       "Unknown"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ContainerStatus s = ToContainerStatus(c.in, "containerd", "app:1");
    EXPECT_EQ(s.id, "containerd://abc");
    EXPECT_EQ(s.name, "app");
    EXPECT_EQ(s.state, c.state);
    EXPECT_EQ(s.exit_code, c.exit_code);
    EXPECT_EQ(s.signal, c.signal);
    EXPECT_EQ(s.reason, c.reason);
    EXPECT_EQ(s.image, "app:1") << "the spec's image, not the runtime's repo tag";
    EXPECT_EQ(s.image_ref, "sha256:1234");
    EXPECT_EQ(s.log_path, "/logs/app/0.log");
    EXPECT_EQ(s.created_at.time_since_epoch(), 1s);
    if (c.state != ContainerState::kExited) {
      EXPECT_EQ(s.finished_at.time_since_epoch().count(), 0);
      EXPECT_TRUE(s.reason.empty());
    }
  }
}

TEST(CriStatusTest, KeepsTheRuntimesMessageAndImageWithoutASpecImage) {
  ContainerStatus s =
      ToContainerStatus(Cri(v1::CONTAINER_EXITED, 128, "StartError", 0, 5 * kSecond), "cd", "");
  EXPECT_EQ(s.message, "exec: no such file");
  EXPECT_EQ(s.image, "localhost/probelet-test:1");
  EXPECT_EQ(s.finished_at.time_since_epoch(), 5s) << "never started: finishedAt as given";
}

// What a restarted probelet adopts by: the pod's UID, the restart count and the grace period,
// read back from the kubelet's label and annotations; a malformed number is ignored.
TEST(CriStatusTest, ReadsWhoseContainerItIsFromLabelsAndAnnotations) {
  v1::ContainerStatus in = Cri(v1::CONTAINER_RUNNING, 0, "", 0, 0);
  (*in.mutable_labels())["io.kubernetes.pod.uid"] = "uid-1";
  (*in.mutable_annotations())["io.kubernetes.container.restartCount"] = "3";
  (*in.mutable_annotations())["io.kubernetes.pod.terminationGracePeriod"] = "7";
  ContainerStatus s = ToContainerStatus(in, "containerd", "");
  EXPECT_EQ(s.pod_uid, "uid-1");
  EXPECT_EQ(s.restart_count, 3);
  EXPECT_EQ(s.termination_grace_period_seconds, 7);

  (*in.mutable_annotations())["io.kubernetes.container.restartCount"] = "3x";
  in.mutable_annotations()->erase("io.kubernetes.pod.terminationGracePeriod");
  ContainerStatus bad = ToContainerStatus(in, "containerd", "");
  EXPECT_EQ(bad.restart_count, 0);
  EXPECT_FALSE(bad.termination_grace_period_seconds);
  EXPECT_TRUE(ToContainerStatus(Cri(v1::CONTAINER_RUNNING, 0, "", 0, 0), "c", "").pod_uid.empty());
}

TEST(CriStatusTest, FinishedAtIsNeverBeforeStartedAt) {
  // containerd takes startedAt after the start returns (cri.md §6).
  ContainerStatus s = ToContainerStatus(
      Cri(v1::CONTAINER_EXITED, 0, "Completed", 10 * kSecond, 10 * kSecond - 1'000'000), "c", "");
  EXPECT_EQ(s.finished_at, s.started_at);
  ContainerStatus later = ToContainerStatus(
      Cri(v1::CONTAINER_EXITED, 0, "Completed", 10 * kSecond, 11 * kSecond), "c", "");
  EXPECT_EQ(later.finished_at.time_since_epoch(), 11s);
}

TEST(CriStatusTest, ContainerIds) {
  EXPECT_EQ(FormatContainerId("containerd", "0123"), "containerd://0123");
  EXPECT_EQ(ParseContainerId("containerd://0123"), "0123");
  EXPECT_EQ(ParseContainerId("0123"), "0123");
  EXPECT_EQ(ParseContainerId(""), "");
}

TEST(CriStatusTest, TimeoutsInWholeSecondsRoundedUp) {
  const std::pair<base::Duration, int64_t> cases[] = {{-1s, 0}, {0s, 0},     {1ns, 1}, {500ms, 1},
                                                      {1s, 1},  {1001ms, 2}, {30s, 30}};
  for (const auto& [d, want] : cases) EXPECT_EQ(CeilSeconds(d), want) << d.count();
  EXPECT_EQ(ExecDeadline(1, 1s, 2min), 2s);
  EXPECT_EQ(ExecDeadline(5, 500ms, 2min), 5500ms);
  EXPECT_EQ(ExecDeadline(0, 1s, 2min), 2min) << "no timeout: the hook deadline";
}

TEST(CriStatusTest, ExecSyncResults) {
  v1::ExecSyncResponse ok;
  ok.set_stdout("out\n");
  ok.set_stderr("err\n");
  ok.set_exit_code(7);
  ExecSyncResult r = ToExecSyncResult(RpcResult<v1::ExecSyncResponse>(ok), 1);
  EXPECT_EQ(r.status, ExecSyncResult::Status::kExited);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.output, "out\nerr\n");

  v1::ExecSyncResponse big;
  big.set_stdout(std::string(kMaxExecOutput - 3, 'o'));
  big.set_stderr(std::string(100, 'e'));
  r = ToExecSyncResult(RpcResult<v1::ExecSyncResponse>(big), 1);
  EXPECT_EQ(r.output.size(), kMaxExecOutput);
  EXPECT_EQ(r.output.substr(kMaxExecOutput - 4), "oeee");

  v1::ExecSyncResponse huge;
  huge.set_stdout(std::string(2 * kMaxExecOutput, 'o'));
  huge.set_stderr("e");
  r = ToExecSyncResult(RpcResult<v1::ExecSyncResponse>(huge), 1);
  EXPECT_EQ(r.output, std::string(kMaxExecOutput, 'o'));

  r = ToExecSyncResult(RpcResult<v1::ExecSyncResponse>(
                           RpcError{grpc::StatusCode::DEADLINE_EXCEEDED, "Deadline Exceeded"}),
                       2);
  EXPECT_EQ(r.status, ExecSyncResult::Status::kTimedOut);

  r = ToExecSyncResult(RpcResult<v1::ExecSyncResponse>(RpcError{
                           grpc::StatusCode::UNKNOWN, "OCI runtime exec failed: not found"}),
                       2);
  EXPECT_EQ(r.status, ExecSyncResult::Status::kError);
  EXPECT_EQ(r.error, "rpc error: code = Unknown desc = OCI runtime exec failed: not found");
}

TEST(CriStatusTest, InitPidFromVerboseInfo) {
  google::protobuf::Map<std::string, std::string> info;
  EXPECT_EQ(InitPidFromInfo(info), 0);
  info["info"] = "not json";
  EXPECT_EQ(InitPidFromInfo(info), 0);
  info["info"] = R"({"sandboxID":"x","pid":4242,"removing":false})";
  EXPECT_EQ(InitPidFromInfo(info), 4242);
  info["info"] = R"({"pid":"4242"})";
  EXPECT_EQ(InitPidFromInfo(info), 0);
}

}  // namespace
}  // namespace probelet::runtime::cri
