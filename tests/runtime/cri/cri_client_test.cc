// The CRI client against a private containerd (testing/containerd_fixture.h), and against
// endpoints that do not answer (no containerd needed).
#include "runtime/cri/cri_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <random>
#include <thread>

#include "base/unique_fd.h"
#include "runtime/cri/testing/containerd_fixture.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime::cri {
namespace {

using namespace std::chrono_literals;
using runtime::testing::RunUntil;
using runtime::testing::TempDir;
using testing::ContainerdTest;
using testing::PrivateContainerd;
using Clock = std::chrono::steady_clock;

std::unique_ptr<CriClient> MustConnect(boost::asio::io_context& io, const std::string& endpoint) {
  auto client = NewCriClient(io, endpoint);
  EXPECT_TRUE(client.ok()) << (client.ok() ? "" : client.error().message);
  return client.ok() ? std::move(*client) : nullptr;
}

// Starts one call through `start(callback)` and runs the loop until it completes (or `wait`).
template <typename Response, typename StartFn>
std::optional<RpcResult<Response>> Await(boost::asio::io_context& io, StartFn start,
                                         std::chrono::milliseconds wait = 60s) {
  std::optional<RpcResult<Response>> result;
  start([&result](RpcResult<Response> r) { result.emplace(std::move(r)); });
  RunUntil(
      io, [&] { return result.has_value(); }, wait);
  return result;
}

// A listening unix socket that never accepts: a runtime that never answers.
class SilentSocket {
 public:
  explicit SilentSocket(const std::string& path) : fd_(::socket(AF_UNIX, SOCK_STREAM, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path.copy(addr.sun_path, sizeof(addr.sun_path) - 1);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(::listen(fd_.get(), 16), 0);
  }

 private:
  base::UniqueFd fd_;
};

TEST(CriClientEndpointTest, RefusesEndpointsThatAreNotUnixSockets) {
  boost::asio::io_context io;
  EXPECT_FALSE(NewCriClient(io, "/run/containerd/containerd.sock").ok());
  EXPECT_FALSE(NewCriClient(io, "127.0.0.1:1234").ok());
  EXPECT_FALSE(NewCriClient(io, "unix://").ok());
  EXPECT_TRUE(NewCriClient(io, "unix:///run/containerd/containerd.sock").ok());
}

TEST(CriClientEndpointTest, NoRuntimeAtTheEndpointFailsFastAsUnavailable) {
  TempDir dir;
  boost::asio::io_context io;
  auto client = MustConnect(io, "unix://" + dir / "nobody.sock");
  auto start = Clock::now();
  auto version = Await<v1::VersionResponse>(
      io, [&](auto done) { client->Version(v1::VersionRequest(), 5s, std::move(done)); });
  ASSERT_TRUE(version.has_value()) << "no answer: the call hangs";
  EXPECT_EQ(version->code(), grpc::StatusCode::UNAVAILABLE) << version->error().message;
  EXPECT_LT(Clock::now() - start, 2s);
  EXPECT_EQ(client->pending(), 0u);
}

TEST(CriClientEndpointTest, RuntimeThatNeverAnswersEndsAtTheDeadline) {
  TempDir dir;
  SilentSocket silent(dir / "silent.sock");
  boost::asio::io_context io;
  auto client = MustConnect(io, "unix://" + dir / "silent.sock");
  auto start = Clock::now();
  auto version = Await<v1::VersionResponse>(
      io, [&](auto done) { client->Version(v1::VersionRequest(), 300ms, std::move(done)); }, 5s);
  auto took = Clock::now() - start;
  ASSERT_TRUE(version.has_value()) << "no answer: the call hangs past its deadline";
  EXPECT_EQ(version->code(), grpc::StatusCode::DEADLINE_EXCEEDED) << version->error().message;
  EXPECT_GE(took, 290ms);
  EXPECT_LT(took, 1500ms);
}

TEST(CriClientEndpointTest, DestroyedClientNeverCallsPendingCallbacks) {
  TempDir dir;
  SilentSocket silent(dir / "silent.sock");
  boost::asio::io_context io;
  auto client = MustConnect(io, "unix://" + dir / "silent.sock");
  int called = 0;
  for (int i = 0; i < 3; ++i) {
    client->Version(v1::VersionRequest(), 30s, [&called](auto) { ++called; });
  }
  io.poll();
  EXPECT_EQ(client->pending(), 3u);
  auto start = Clock::now();
  client.reset();
  EXPECT_LT(Clock::now() - start, 1s) << "destruction waits for the deadline";
  io.restart();
  io.run_for(200ms);  // anything posted by the cancelled calls runs now
  EXPECT_TRUE(io.stopped()) << "cancelled calls still hold the loop";
  EXPECT_EQ(called, 0);
}

class CriClientTest : public ContainerdTest {
 protected:
  void SetUp() override {
    ContainerdTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    client_ = MustConnect(io_, containerd().endpoint());
  }

  template <typename Response, typename StartFn>
  RpcResult<Response> Call(StartFn start) {
    auto result = Await<Response>(io_, start);
    if (!result) return RpcError{grpc::StatusCode::UNKNOWN, "test: no answer within 60 s"};
    return std::move(*result);
  }

  // A hostNetwork sandbox as the kubelet configures one (cri.md §5, §8.6: no hostname).
  v1::PodSandboxConfig HostNetworkSandbox(const std::string& name) {
    std::string uid = "uid-" + std::to_string(std::random_device()());
    v1::PodSandboxConfig config;
    auto* metadata = config.mutable_metadata();
    metadata->set_name(name);
    metadata->set_uid(uid);
    metadata->set_namespace_("default");
    config.set_log_directory(containerd().dir() + "/pods/default_" + name + "_" + uid);
    (*config.mutable_labels())["io.kubernetes.pod.name"] = name;
    (*config.mutable_labels())["io.kubernetes.pod.namespace"] = "default";
    (*config.mutable_labels())["io.kubernetes.pod.uid"] = uid;
    auto* linux = config.mutable_linux();
    linux->set_cgroup_parent(containerd().CgroupParent("pod" + uid));
    auto* ns = linux->mutable_security_context()->mutable_namespace_options();
    ns->set_network(v1::NODE);
    ns->set_pid(v1::CONTAINER);
    ns->set_ipc(v1::POD);
    return config;
  }

  boost::asio::io_context io_;
  std::unique_ptr<CriClient> client_;
};

// A TCP port on 127.0.0.1 free at the time of the call.
int FreePort() {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  return ntohs(addr.sin_port);
}

// GET / from 127.0.0.1:port, retried until `timeout`: the response, or "" if none came.
std::string HttpGet(int port, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      std::string request = "GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
      if (::write(fd.get(), request.data(), request.size()) > 0) {
        std::string response;
        char buf[4096];
        for (ssize_t n; (n = ::read(fd.get(), buf, sizeof(buf))) > 0;) response.append(buf, n);
        return response;
      }
    }
    std::this_thread::sleep_for(20ms);
  }
  return "";
}

double CpuSeconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

TEST_F(CriClientTest, VersionAnswersContainerd) {
  auto version = Call<v1::VersionResponse>(
      [&](auto done) { client_->Version(v1::VersionRequest(), 5s, std::move(done)); });
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(version->runtime_name(), "containerd");
  EXPECT_EQ(version->runtime_api_version(), "v1");
  auto status = Call<v1::StatusResponse>(
      [&](auto done) { client_->Status(v1::StatusRequest(), 5s, std::move(done)); });
  ASSERT_TRUE(status.ok()) << status.error().message;
  bool runtime_ready = false;
  for (const auto& condition : status->status().conditions()) {
    if (condition.type() == "RuntimeReady") runtime_ready = condition.status();
  }
  EXPECT_TRUE(runtime_ready);
}

// The whole life of a hostNetwork pod, as the kubelet drives it: image, sandbox, container,
// its server reached from here, exec probes, stop, status, remove.
TEST_F(CriClientTest, HostNetworkPodLifecycle) {
  // Image: present (imported), never pulled (cri.md §8.3); containers are created from its id.
  v1::ImageStatusRequest image_request;
  image_request.mutable_image()->set_image(PrivateContainerd::kTestImage);
  auto image = Call<v1::ImageStatusResponse>(
      [&](auto done) { client_->ImageStatus(image_request, 5s, std::move(done)); });
  ASSERT_TRUE(image.ok()) << image.error().message;
  ASSERT_TRUE(image->has_image()) << "test image not imported";
  EXPECT_EQ(image->image().id().rfind("sha256:", 0), 0u) << image->image().id();

  v1::RunPodSandboxRequest run;
  *run.mutable_config() = HostNetworkSandbox("web");
  auto sandbox = Call<v1::RunPodSandboxResponse>(
      [&](auto done) { client_->RunPodSandbox(run, 30s, std::move(done)); });
  ASSERT_TRUE(sandbox.ok()) << sandbox.error().message << "\n" << containerd().LogTail();
  std::string sandbox_id = sandbox->pod_sandbox_id();

  int port = FreePort();
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(sandbox_id);
  *create.mutable_sandbox_config() = run.config();
  auto* config = create.mutable_config();
  config->mutable_metadata()->set_name("httpd");
  config->mutable_image()->set_image(image->image().id());
  config->mutable_image()->set_user_specified_image(PrivateContainerd::kTestImage);
  for (std::string arg : {"httpd", "-f", "-h", "/www", "-p"}) config->add_command(arg);
  config->add_command("127.0.0.1:" + std::to_string(port));
  config->set_log_path("httpd/0.log");
  (*config->mutable_labels())["io.kubernetes.container.name"] = "httpd";
  auto created = Call<v1::CreateContainerResponse>(
      [&](auto done) { client_->CreateContainer(create, 30s, std::move(done)); });
  ASSERT_TRUE(created.ok()) << created.error().message;
  std::string container_id = created->container_id();
  v1::StartContainerRequest start;
  start.set_container_id(container_id);
  auto started = Call<v1::StartContainerResponse>(
      [&](auto done) { client_->StartContainer(start, 30s, std::move(done)); });
  ASSERT_TRUE(started.ok()) << started.error().message;

  // hostNetwork: the pod's server is on this machine's loopback.
  EXPECT_NE(HttpGet(port, 10s).find("probelet-test"), std::string::npos);

  auto exec = [&](std::vector<std::string> cmd, int64_t timeout_s, base::Duration deadline) {
    v1::ExecSyncRequest request;
    request.set_container_id(container_id);
    for (auto& arg : cmd) request.add_cmd(arg);
    request.set_timeout(timeout_s);
    return Call<v1::ExecSyncResponse>(
        [&](auto done) { client_->ExecSync(request, deadline, std::move(done)); });
  };
  auto ok = exec({"true"}, 5, 10s);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->exit_code(), 0);
  auto three = exec({"sh", "-c", "echo out; echo err >&2; exit 3"}, 5, 10s);
  ASSERT_TRUE(three.ok()) << three.error().message;
  EXPECT_EQ(three->exit_code(), 3);
  EXPECT_EQ(three->stdout(), "out\n");
  EXPECT_EQ(three->stderr(), "err\n");

  // The runtime's timeout (1 s), with the client's deadline a little beyond it.
  auto before = Clock::now();
  auto slow = exec({"sleep", "10"}, 1, 3s);
  auto took = Clock::now() - before;
  EXPECT_EQ(slow.code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_GE(took, 900ms);
  EXPECT_LT(took, 3s + 500ms);

  // Cost: 50 serial ExecSync of `true`; the client's CPU is this process's.
  constexpr int kExecs = 50;
  double cpu_before = CpuSeconds();
  auto wall_before = Clock::now();
  for (int i = 0; i < kExecs; ++i) {
    auto r = exec({"true"}, 5, 10s);
    ASSERT_TRUE(r.ok() && r->exit_code() == 0);
  }
  std::chrono::duration<double, std::milli> wall = Clock::now() - wall_before;
  double cpu_ms = (CpuSeconds() - cpu_before) * 1000;
  std::cerr << "ExecSync `true` x" << kExecs << ": " << wall.count() / kExecs
            << " ms wall per call, " << cpu_ms / kExecs << " ms CPU of the client per call\n";
  RecordProperty("exec_sync_ms_per_call", std::to_string(wall.count() / kExecs));
  RecordProperty("exec_sync_client_cpu_ms_per_call", std::to_string(cpu_ms / kExecs));

  // Stop: httpd as PID 1 has no SIGTERM handler, so timeout 0 (SIGKILL at once) keeps this short.
  v1::StopContainerRequest stop;
  stop.set_container_id(container_id);
  stop.set_timeout(0);
  auto stopped = Call<v1::StopContainerResponse>(
      [&](auto done) { client_->StopContainer(stop, 30s, std::move(done)); });
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  v1::ContainerStatusRequest status_request;
  status_request.set_container_id(container_id);
  auto status = Call<v1::ContainerStatusResponse>(
      [&](auto done) { client_->ContainerStatus(status_request, 5s, std::move(done)); });
  ASSERT_TRUE(status.ok()) << status.error().message;
  EXPECT_EQ(status->status().state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(status->status().exit_code(), 137);
  EXPECT_EQ(status->status().reason(), "Error");
  EXPECT_EQ(status->status().metadata().name(), "httpd");
  EXPECT_GT(status->status().started_at(), 0);
  EXPECT_GT(status->status().finished_at(), 0);

  v1::ListContainersRequest list;
  list.mutable_filter()->set_pod_sandbox_id(sandbox_id);
  auto containers = Call<v1::ListContainersResponse>(
      [&](auto done) { client_->ListContainers(list, 5s, std::move(done)); });
  ASSERT_TRUE(containers.ok()) << containers.error().message;
  ASSERT_EQ(containers->containers_size(), 1);
  EXPECT_EQ(containers->containers(0).id(), container_id);

  v1::PodSandboxStatusRequest sandbox_status;
  sandbox_status.set_pod_sandbox_id(sandbox_id);
  auto ready = Call<v1::PodSandboxStatusResponse>(
      [&](auto done) { client_->PodSandboxStatus(sandbox_status, 5s, std::move(done)); });
  ASSERT_TRUE(ready.ok()) << ready.error().message;
  EXPECT_EQ(ready->status().state(), v1::SANDBOX_READY);
  EXPECT_EQ(ready->status().linux().namespaces().options().network(), v1::NODE);

  v1::StopPodSandboxRequest stop_sandbox;
  stop_sandbox.set_pod_sandbox_id(sandbox_id);
  auto sandbox_stopped = Call<v1::StopPodSandboxResponse>(
      [&](auto done) { client_->StopPodSandbox(stop_sandbox, 30s, std::move(done)); });
  ASSERT_TRUE(sandbox_stopped.ok()) << sandbox_stopped.error().message;
  v1::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(sandbox_id);
  auto removed = Call<v1::RemovePodSandboxResponse>(
      [&](auto done) { client_->RemovePodSandbox(remove, 30s, std::move(done)); });
  ASSERT_TRUE(removed.ok()) << removed.error().message;

  auto gone = Call<v1::PodSandboxStatusResponse>(
      [&](auto done) { client_->PodSandboxStatus(sandbox_status, 5s, std::move(done)); });
  EXPECT_EQ(gone.code(), grpc::StatusCode::NOT_FOUND);
  auto sandboxes = Call<v1::ListPodSandboxResponse>([&](auto done) {
    client_->ListPodSandbox(v1::ListPodSandboxRequest(), 5s, std::move(done));
  });
  ASSERT_TRUE(sandboxes.ok()) << sandboxes.error().message;
  EXPECT_EQ(sandboxes->items_size(), 0);
  EXPECT_EQ(client_->pending(), 0u);
}

TEST_F(CriClientTest, UnknownContainerIsNotFound) {
  v1::ContainerStatusRequest request;
  request.set_container_id("no-such-container");
  auto status = Call<v1::ContainerStatusResponse>(
      [&](auto done) { client_->ContainerStatus(request, 5s, std::move(done)); });
  EXPECT_EQ(status.code(), grpc::StatusCode::NOT_FOUND);
}

// containerd always asks a registry on PullImage (cri.md §8.3): with none, an error, not a hang.
TEST_F(CriClientTest, PullWithoutRegistryFails) {
  v1::PullImageRequest request;
  request.mutable_image()->set_image("localhost/probelet-absent:1");
  auto pulled = Call<v1::PullImageResponse>(
      [&](auto done) { client_->PullImage(request, 10s, std::move(done)); });
  EXPECT_FALSE(pulled.ok());
}

}  // namespace
}  // namespace probelet::runtime::cri
