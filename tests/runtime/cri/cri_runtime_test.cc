// CriRuntime against a private containerd: the lifecycle of sandboxes and containers, exits and
// their reasons, stop with grace, ExecSync, images, and leaving other clients' containers alone.
#include "runtime/cri/cri_runtime.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <sstream>

#include "api/quantity.h"
#include "base/unique_fd.h"
#include "runtime/cri/kuberuntime_config.h"
#include "runtime/cri/testing/cri_runtime_fixture.h"

namespace probelet::runtime::cri {
namespace {

using namespace std::chrono_literals;
using testing::CriRuntimeTest;
using testing::PrivateContainerd;
using Clock = std::chrono::steady_clock;
using Status = ExecSyncResult::Status;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// GET / from 127.0.0.1:port; the response body, or "" when nothing answers.
std::string HttpGet(int port) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  std::string request = "GET / HTTP/1.0\r\nHost: localhost\r\n\r\n";
  if (::write(fd.get(), request.data(), request.size()) < 0) return "";
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) response.append(buf, n);
  size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

TEST_F(CriRuntimeTest, SandboxAndContainerLifecycle) {
  int port = FreePort();
  ASSERT_GT(port, 0);
  api::Pod pod = MakePod("web");
  PodSandbox sandbox = RunSandbox(pod);
  ASSERT_FALSE(sandbox.id.empty());
  EXPECT_EQ(sandbox.pod_ip, "127.0.0.1") << "node network: the node's IP";

  api::Container web = TestContainer(
      "web", {"sh", "-c",
              "echo hello > /tmp/index.html && exec httpd -f -p 127.0.0.1:" + std::to_string(port) +
                  " -h /tmp"});
  auto t0 = Clock::now();
  auto id = Create(MakeConfig(sandbox, pod, web));
  auto created_in = Clock::now() - t0;
  ASSERT_TRUE(id.ok()) << id.error().message;
  EXPECT_EQ(id->rfind("containerd://", 0), 0u) << *id;
  auto created = runtime().GetContainerStatus(*id);
  ASSERT_TRUE(created);
  EXPECT_EQ(created->id, *id);
  EXPECT_EQ(created->state, ContainerState::kCreated);
  EXPECT_EQ(created->image, PrivateContainerd::kTestImage);
  EXPECT_EQ(created->image_ref.rfind("sha256:", 0), 0u);
  EXPECT_NE(created->log_path.find("/web/0.log"), std::string::npos) << created->log_path;

  t0 = Clock::now();
  auto started = Start(*id);
  auto started_in = Clock::now() - t0;
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto running = runtime().GetContainerStatus(*id);
  ASSERT_TRUE(running);
  EXPECT_EQ(running->state, ContainerState::kRunning);
  EXPECT_GT(running->started_at.time_since_epoch().count(), 0);

  std::string body;
  for (auto until = Clock::now() + 10s; body.empty() && Clock::now() < until;) {
    body = HttpGet(port);
    if (body.empty()) RunFor(50ms);
  }
  EXPECT_EQ(body, "hello\n");
  EXPECT_EQ(runtime().ListContainers().size(), 1u);

  t0 = Clock::now();
  auto stopped =
      Await<base::Status>([&](auto done) { runtime().StopContainer(*id, 0s, std::move(done)); });
  auto stopped_in = Clock::now() - t0;
  ASSERT_TRUE(stopped && stopped->ok());
  auto exited = runtime().GetContainerStatus(*id);
  ASSERT_TRUE(exited);
  EXPECT_EQ(exited->state, ContainerState::kExited);
  EXPECT_EQ(exited->exit_code, 137);
  EXPECT_EQ(exited->signal, 9);
  EXPECT_GE(exited->finished_at, exited->started_at);
  ASSERT_EQ(exits().size(), 1u) << "the exit handler runs once, before StopContainer's done";
  EXPECT_EQ(exits()[0].id, *id);
  RunFor(600ms);  // relists see it exited: no second report
  EXPECT_EQ(exits().size(), 1u);

  EXPECT_TRUE(runtime().RemoveContainer(*id).ok());
  EXPECT_FALSE(runtime().GetContainerStatus(*id));
  EXPECT_FALSE(runtime().RemoveContainer(*id).ok()) << "unknown now";
  for (int i = 0; i < 2; ++i) {  // idempotent
    auto s = Await<base::Status>(
        [&](auto done) { runtime().StopPodSandbox(sandbox.id, std::move(done)); });
    EXPECT_TRUE(s && s->ok());
    auto r = Await<base::Status>(
        [&](auto done) { runtime().RemovePodSandbox(sandbox.id, std::move(done)); });
    EXPECT_TRUE(r && r->ok());
  }
  std::fprintf(stderr, "latency: create %.1f ms, start %.1f ms, stop (timeout 0) %.1f ms\n",
               Ms(created_in), Ms(started_in), Ms(stopped_in));
}

TEST_F(CriRuntimeTest, RemoveRefusesARunningContainer) {
  api::Pod pod = MakePod("busy");
  PodSandbox sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(sandbox, pod, TestContainer("sleeper", {"sleep", "1000"}));
  EXPECT_FALSE(runtime().RemoveContainer(id).ok());
  auto bare = id.substr(std::string("containerd://").size());
  EXPECT_TRUE(runtime().GetContainerStatus(bare)) << "bare ids are accepted too";
}

TEST_F(CriRuntimeTest, ExitCodesAndReasons) {
  api::Pod pod = MakePod("exits");
  PodSandbox sandbox = RunSandbox(pod);
  std::string ok = CreateAndStart(sandbox, pod, TestContainer("ok", {"sh", "-c", "exit 0"}));
  std::string three = CreateAndStart(sandbox, pod, TestContainer("three", {"sh", "-c", "exit 3"}));
  auto missing = Create(MakeConfig(sandbox, pod, TestContainer("missing", {"/no/such/binary"})));
  ASSERT_TRUE(missing.ok()) << missing.error().message;
  auto start = Start(*missing);
  EXPECT_FALSE(start.ok());
  if (!start.ok()) {
    EXPECT_NE(start.error().message.find("rpc error"), std::string::npos);
  }

  auto s0 = WaitExited(ok);
  auto s3 = WaitExited(three);
  ASSERT_TRUE(s0 && s3);
  EXPECT_EQ(s0->state, ContainerState::kExited);
  EXPECT_EQ(s0->exit_code, 0);
  EXPECT_EQ(s0->reason, "Completed");
  EXPECT_GE(s0->finished_at, s0->started_at);
  EXPECT_EQ(s3->exit_code, 3);
  EXPECT_EQ(s3->reason, "Error");
  auto sm = runtime().GetContainerStatus(*missing);
  ASSERT_TRUE(sm);
  EXPECT_EQ(sm->state, ContainerState::kExited);
  EXPECT_EQ(sm->exit_code, 128);
  EXPECT_EQ(sm->reason, "StartError");
  EXPECT_FALSE(sm->message.empty());

  RunFor(600ms);
  ASSERT_EQ(exits().size(), 2u) << "once per started container; none for the StartError";
  for (const auto& e : exits()) EXPECT_NE(e.id, *missing);
}

TEST_F(CriRuntimeTest, StopContainerWithGrace) {
  api::Pod pod = MakePod("stops");
  PodSandbox sandbox = RunSandbox(pod);
  std::string trap = CreateAndStart(
      sandbox, pod,
      TestContainer("trap", {"sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"}));
  std::string ignore = CreateAndStart(sandbox, pod, TestContainer("ignore", {"sleep", "1000"}));
  RunFor(300ms);  // the trap is set

  auto t0 = Clock::now();
  auto s =
      Await<base::Status>([&](auto done) { runtime().StopContainer(trap, 10s, std::move(done)); });
  auto trap_took = Clock::now() - t0;
  ASSERT_TRUE(s && s->ok());
  EXPECT_LT(trap_took, 3s);
  auto trapped = runtime().GetContainerStatus(trap);
  EXPECT_EQ(trapped->exit_code, 0);
  EXPECT_EQ(trapped->reason, "Completed");

  t0 = Clock::now();
  s = Await<base::Status>(
      [&](auto done) { runtime().StopContainer(ignore, 1500ms, std::move(done)); });
  auto ignore_took = Clock::now() - t0;
  ASSERT_TRUE(s && s->ok());
  EXPECT_GE(ignore_took, 1900ms) << "1.5 s rounds up to 2 s";
  EXPECT_LT(ignore_took, 5s);
  auto killed = runtime().GetContainerStatus(ignore);
  EXPECT_EQ(killed->exit_code, 137);
  EXPECT_EQ(killed->reason, "Error");
  EXPECT_EQ(exits().size(), 2u);

  s = Await<base::Status>([&](auto done) { runtime().StopContainer(ignore, 1s, std::move(done)); });
  EXPECT_TRUE(s && s->ok()) << "an exited container stops at once";
  s = Await<base::Status>(
      [&](auto done) { runtime().StopContainer("containerd://nope", 1s, std::move(done)); });
  EXPECT_TRUE(s && !s->ok()) << "unknown id";
}

TEST_F(CriRuntimeTest, ExecSync) {
  api::Pod pod = MakePod("exec");
  PodSandbox sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(sandbox, pod, TestContainer("app", {"sleep", "1000"}));

  ExecSyncResult r = Exec(id, {"sh", "-c", "echo out; echo err >&2; exit 7"}, 5s);
  EXPECT_EQ(r.status, Status::kExited) << r.error;
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.output, "out\nerr\n");

  r = Exec(id, {"sh", "-c", "head -c 20000 /bin/busybox | tr -c x x"}, 5s);
  EXPECT_EQ(r.status, Status::kExited) << r.error;
  EXPECT_EQ(r.output.size(), kMaxExecOutput);

  // The exec'd shell exits at once, but its background child holds the output: containerd
  // would wait 100 s; the client's deadline (1 s + 1 s margin) ends it.
  auto t0 = Clock::now();
  r = Exec(id, {"sh", "-c", "sleep 100 & echo x"}, 1s);
  auto took = Clock::now() - t0;
  EXPECT_EQ(r.status, Status::kTimedOut) << r.error;
  EXPECT_GE(took, 1900ms);
  EXPECT_LT(took, 4s);

  r = Exec(id, {"/no/such/binary"}, 5s);
  EXPECT_EQ(r.status, Status::kError);
  EXPECT_NE(r.error.find("rpc error"), std::string::npos) << r.error;
  r = Exec("containerd://nope", {"true"}, 5s);
  EXPECT_EQ(r.status, Status::kError);

  // Cost of an exec probe: wall time and this process's (the client's) CPU.
  constexpr int kCalls = 50;
  rusage before{}, after{};
  ::getrusage(RUSAGE_SELF, &before);
  t0 = Clock::now();
  for (int i = 0; i < kCalls; ++i) {
    r = Exec(id, {"/bin/true"}, 5s);
    ASSERT_EQ(r.status, Status::kExited) << r.error;
  }
  auto wall = (Clock::now() - t0) / kCalls;
  ::getrusage(RUSAGE_SELF, &after);
  auto cpu_us = [](const rusage& u) {
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
  };
  std::fprintf(stderr, "ExecSync /bin/true: %.1f ms wall, %.2f ms client CPU per call\n", Ms(wall),
               (cpu_us(after) - cpu_us(before)) / 1000.0 / kCalls);
}

TEST_F(CriRuntimeTest, DirectExecRunsWithTheInitPidAndFallsBack) {
  std::vector<int> pids;
  bool can = true;
  CriRuntimeOptions options = DefaultOptions();
  options.direct_exec = [&](int pid, const std::vector<std::string>&, base::Duration,
                            std::function<void(ExecSyncResult)> done) {
    pids.push_back(pid);
    if (!can) return false;
    ExecSyncResult r;
    r.status = Status::kExited;
    r.output = "direct";
    done(r);
    return true;
  };
  MakeRuntime(options);
  api::Pod pod = MakePod("direct");
  PodSandbox sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(sandbox, pod, TestContainer("app", {"sleep", "1000"}));
  EXPECT_EQ(Exec(id, {"true"}, 1s).output, "direct");
  EXPECT_EQ(Exec(id, {"true"}, 1s).output, "direct");
  ASSERT_EQ(pids.size(), 2u);
  EXPECT_GT(pids[0], 1);
  EXPECT_EQ(pids[0], pids[1]) << "cached";
  can = false;
  ExecSyncResult r = Exec(id, {"sh", "-c", "echo cri"}, 1s);
  EXPECT_EQ(r.output, "cri\n") << "fell back to ExecSync";
}

TEST_F(CriRuntimeTest, Images) {
  auto present = Await<base::Expected<std::optional<ImageInfo>>>(
      [&](auto done) { runtime().ImageStatus(PrivateContainerd::kTestImage, std::move(done)); });
  ASSERT_TRUE(present && present->ok());
  ASSERT_TRUE(present->value());
  EXPECT_EQ((*present)->value().ref.rfind("sha256:", 0), 0u);
  EXPECT_GT((*present)->value().size, 0u);

  auto absent = Await<base::Expected<std::optional<ImageInfo>>>(
      [&](auto done) { runtime().ImageStatus("localhost/missing:1", std::move(done)); });
  ASSERT_TRUE(absent && absent->ok());
  EXPECT_FALSE(absent->value());

  auto pulled = Await<base::Expected<ImageInfo>>(
      [&](auto done) { runtime().PullImage("localhost/missing:1", std::move(done)); });
  ASSERT_TRUE(pulled);
  ASSERT_FALSE(pulled->ok());
  EXPECT_NE(pulled->error().message.find("rpc error: code = "), std::string::npos)
      << pulled->error().message;
  EXPECT_TRUE(runtime().healthy()) << "an answered error is no outage";
}

TEST_F(CriRuntimeTest, OOMKilledUnderAMemoryLimit) {
  api::Container hog =
      TestContainer("hog", {"sh", "-c", "x=0123456789abcdef; while :; do x=$x$x; done"});
  hog.resources.limits["memory"] = *api::ParseQuantity("32Mi");
  api::Pod pod = MakePod("oom", {hog});
  PodSandbox sandbox = RunSandbox(pod);
  std::string id = CreateAndStart(sandbox, pod, hog);
  auto s = WaitExited(id, 30s);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->state, ContainerState::kExited);
  EXPECT_EQ(s->exit_code, 137);
  EXPECT_EQ(s->reason, "OOMKilled");
  RunFor(300ms);
  EXPECT_EQ(exits().size(), 1u);
}

TEST_F(CriRuntimeTest, AnotherClientsContainersAreNeverTouched) {
  // A sandbox and container made through the raw client, without the instance label.
  auto client = NewCriClient(io(), containerd().endpoint());
  ASSERT_TRUE(client.ok());
  v1::PodSandboxConfig config;
  config.mutable_metadata()->set_name("foreign");
  config.mutable_metadata()->set_uid("foreign-uid");
  config.mutable_metadata()->set_namespace_("other");
  config.mutable_linux()->set_cgroup_parent(containerd().CgroupParent("foreign"));
  auto* ns = config.mutable_linux()->mutable_security_context()->mutable_namespace_options();
  ns->set_network(v1::NODE);
  ns->set_pid(v1::CONTAINER);
  v1::RunPodSandboxRequest run;
  *run.mutable_config() = config;
  auto sandbox = Await<RpcResult<v1::RunPodSandboxResponse>>(
      [&](auto done) { (*client)->RunPodSandbox(run, 30s, std::move(done)); });
  ASSERT_TRUE(sandbox && sandbox->ok()) << sandbox->error().message;
  const std::string sandbox_id = (*sandbox)->pod_sandbox_id();
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox_id);
  create.mutable_config()->mutable_metadata()->set_name("c");
  create.mutable_config()->mutable_image()->set_image(test_image_ref());
  create.mutable_config()->add_command("sleep");
  create.mutable_config()->add_args("1000");
  *create.mutable_sandbox_config() = config;
  auto created = Await<RpcResult<v1::CreateContainerResponse>>(
      [&](auto done) { (*client)->CreateContainer(create, 30s, std::move(done)); });
  ASSERT_TRUE(created && created->ok()) << created->error().message;
  v1::StartContainerRequest start;
  start.set_container_id((*created)->container_id());
  auto started = Await<RpcResult<v1::StartContainerResponse>>(
      [&](auto done) { (*client)->StartContainer(start, 30s, std::move(done)); });
  ASSERT_TRUE(started && started->ok());

  // Ours, beside it.
  api::Pod pod = MakePod("mine");
  PodSandbox mine = RunSandbox(pod);
  CreateAndStart(mine, pod, TestContainer("app", {"sleep", "1000"}));
  uint64_t relists = runtime().relist_count();
  RunFor(700ms);
  EXPECT_GT(runtime().relist_count(), relists);
  EXPECT_EQ(runtime().ListContainers().size(), 1u);
  EXPECT_FALSE(runtime().GetContainerStatus((*created)->container_id()));
  auto shut = Await<base::Status>([&](auto done) { runtime().Shutdown(std::move(done)); });
  ASSERT_TRUE(shut && shut->ok());
  EXPECT_TRUE(runtime().ListContainers().empty());

  v1::ListPodSandboxRequest list;
  auto sandboxes = Await<RpcResult<v1::ListPodSandboxResponse>>(
      [&](auto done) { (*client)->ListPodSandbox(list, 30s, std::move(done)); });
  ASSERT_TRUE(sandboxes && sandboxes->ok());
  ASSERT_EQ((*sandboxes)->items_size(), 1) << "ours removed, the other one left";
  EXPECT_EQ((*sandboxes)->items(0).id(), sandbox_id);
  v1::ContainerStatusRequest status;
  status.set_container_id((*created)->container_id());
  auto foreign = Await<RpcResult<v1::ContainerStatusResponse>>(
      [&](auto done) { (*client)->ContainerStatus(status, 30s, std::move(done)); });
  ASSERT_TRUE(foreign && foreign->ok());
  EXPECT_EQ((*foreign)->status().state(), v1::CONTAINER_RUNNING);

  // Cleaned up by its owner.
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(sandbox_id);
  auto stopped = Await<RpcResult<v1::StopPodSandboxResponse>>(
      [&](auto done) { (*client)->StopPodSandbox(stop, 30s, std::move(done)); });
  EXPECT_TRUE(stopped && stopped->ok());
  v1::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(sandbox_id);
  auto removed = Await<RpcResult<v1::RemovePodSandboxResponse>>(
      [&](auto done) { (*client)->RemovePodSandbox(remove, 30s, std::move(done)); });
  EXPECT_TRUE(removed && removed->ok());
}

// The relist's cost: this process's CPU and containerd's per relist and container, with
// containers that do not change (no ContainerStatus calls: only ListContainers).
TEST_F(CriRuntimeTest, RelistCost) {
  constexpr int kContainers = 10;
  api::Pod pod = MakePod("many");
  PodSandbox sandbox = RunSandbox(pod);
  for (int i = 0; i < kContainers; ++i) {
    CreateAndStart(sandbox, pod, TestContainer("c" + std::to_string(i), {"sleep", "1000"}));
  }
  RunFor(500ms);
  auto self_cpu_us = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
  };
  auto containerd_cpu_us = [&] {
    std::string stat =
        runtime::testing::ReadFile("/proc/" + std::to_string(containerd().pid()) + "/stat");
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    double ticks = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
    }
    return ticks * 1e6 / static_cast<double>(::sysconf(_SC_CLK_TCK));
  };
  uint64_t relists = runtime().relist_count();
  double self0 = self_cpu_us(), cd0 = containerd_cpu_us();
  RunFor(5s);
  double n = static_cast<double>(runtime().relist_count() - relists);
  ASSERT_GT(n, 10);
  std::fprintf(stderr,
               "relist, %d containers: %.0f relists; client %.1f us, containerd %.1f us CPU per "
               "relist and container\n",
               kContainers, n, (self_cpu_us() - self0) / n / kContainers,
               (containerd_cpu_us() - cd0) / n / kContainers);
}

}  // namespace
}  // namespace probelet::runtime::cri
