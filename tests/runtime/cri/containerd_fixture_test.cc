// The fixture's promise: teardown leaves nothing, even when a test leaves a running pod behind;
// with its own network, pods get CNI addresses reachable from inside it, across a relaunch.
#include "runtime/cri/testing/containerd_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "base/unique_fd.h"
#include "runtime/cgroup.h"
#include "runtime/cri/cri_client.h"
#include "runtime/cri/testing/network_namespace.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime::cri::testing {
namespace {

using namespace std::chrono_literals;

// Processes whose command line mentions `needle` (shims carry the socket path).
int CountProcessesMentioning(const std::string& needle) {
  int n = 0;
  DIR* proc = ::opendir("/proc");
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9' || std::atoi(e->d_name) == ::getpid()) continue;
    std::string cmdline = ReadSmallFile(std::string("/proc/") + e->d_name + "/cmdline");
    if (cmdline.find(needle) != std::string::npos) ++n;
  }
  ::closedir(proc);
  return n;
}

template <typename Response, typename StartFn>
std::optional<RpcResult<Response>> Await(boost::asio::io_context& io, StartFn start) {
  std::optional<RpcResult<Response>> result;
  start([&result](RpcResult<Response> r) { result.emplace(std::move(r)); });
  runtime::testing::RunUntil(
      io, [&] { return result.has_value(); }, 60s);
  return result;
}

TEST(PrivateContainerdTest, TeardownLeavesNothingBehindARunningPod) {
  if (auto missing = PrivateContainerd::MissingTools(); !missing.empty()) {
    GTEST_SKIP() << "containerd is not installed (`make deps` installs it): missing " << missing;
  }
  auto started = PrivateContainerd::Start();
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto containerd = std::move(*started);
  std::string dir = containerd->dir();
  pid_t containerd_pid = containerd->pid();
  std::string cgroup_parent = containerd->CgroupParent("podleft");

  // A running sandbox with a running container, left for teardown.
  boost::asio::io_context io;
  auto client = NewCriClient(io, containerd->endpoint());
  ASSERT_TRUE(client.ok());
  v1::RunPodSandboxRequest run;
  auto* config = run.mutable_config();
  config->mutable_metadata()->set_name("left");
  config->mutable_metadata()->set_uid("left-uid");
  config->mutable_metadata()->set_namespace_("default");
  config->mutable_linux()->set_cgroup_parent(cgroup_parent);
  config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
      v1::NODE);
  auto sandbox = Await<v1::RunPodSandboxResponse>(
      io, [&](auto done) { (*client)->RunPodSandbox(run, 30s, std::move(done)); });
  ASSERT_TRUE(sandbox && sandbox->ok()) << (sandbox ? sandbox->error().message : "no answer");
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id((*sandbox)->pod_sandbox_id());
  *create.mutable_sandbox_config() = run.config();
  create.mutable_config()->mutable_metadata()->set_name("sleeper");
  create.mutable_config()->mutable_image()->set_image(PrivateContainerd::kTestImage);
  for (const char* arg : {"sleep", "1000"}) create.mutable_config()->add_command(arg);
  auto created = Await<v1::CreateContainerResponse>(
      io, [&](auto done) { (*client)->CreateContainer(create, 30s, std::move(done)); });
  ASSERT_TRUE(created && created->ok()) << (created ? created->error().message : "no answer");
  v1::StartContainerRequest start;
  start.set_container_id((*created)->container_id());
  auto running = Await<v1::StartContainerResponse>(
      io, [&](auto done) { (*client)->StartContainer(start, 30s, std::move(done)); });
  ASSERT_TRUE(running && running->ok()) << (running ? running->error().message : "no answer");
  ASSERT_GE(CountProcessesMentioning(dir + "/containerd.sock"), 1) << "no shim seen";
  // Each v1 hierarchy holds the instance's cgroup root (runc never removes parents).
  const std::vector<std::string> hierarchies = {"/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu",
                                                "/sys/fs/cgroup/pids", "/sys/fs/cgroup/freezer"};
  std::string cgroup_root = cgroup_parent.substr(0, cgroup_parent.rfind('/'));
  for (const auto& hierarchy : hierarchies) {
    ASSERT_TRUE(std::filesystem::exists(hierarchy + cgroup_root)) << hierarchy + cgroup_root;
  }
  client->reset();

  auto leftovers = containerd->Teardown();
  EXPECT_TRUE(leftovers.empty()) << leftovers.front();
  EXPECT_FALSE(runtime::testing::IsRunning(containerd_pid));
  EXPECT_EQ(CountProcessesMentioning(dir + "/"), 0);
  EXPECT_FALSE(std::filesystem::exists(dir));
  for (const auto& hierarchy : hierarchies) {
    EXPECT_FALSE(std::filesystem::exists(hierarchy + cgroup_root)) << hierarchy + cgroup_root;
  }
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    EXPECT_EQ(line.find(dir), std::string::npos) << line;
  }
}

// GET / from ip:port (HTTP/1.0); the whole response, or "" when nothing answers.
std::string HttpGet(const std::string& ip, int port) {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) return "";
  timeval timeout{2, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return "";
  std::string request = "GET / HTTP/1.0\r\nHost: pod\r\n\r\n";
  if (::write(fd.get(), request.data(), request.size()) < 0) return "";
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd.get(), buf, sizeof buf)) > 0;) response.append(buf, n);
  return response;
}

// Polls HttpGet until it answers (the server starts after StartContainer returns).
std::string HttpGetWithin(const std::string& ip, int port, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  std::string response;
  while ((response = HttpGet(ip, port)).empty() && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(50ms);
  }
  return response;
}

std::string NamespaceOf(const std::string& ns_file) {
  std::error_code ec;
  return std::filesystem::read_symlink(ns_file, ec).string();
}

bool InSubnet24(const std::string& ip, const std::string& subnet) {
  std::string prefix = subnet.substr(0, subnet.rfind(".0/24") + 1);  // "10.88.x."
  return ip.starts_with(prefix) && ip.size() > prefix.size();
}

TEST(PrivateContainerdTest, OwnNetworkGivesPodsCniAddressesAcrossARelaunch) {
  std::string missing = PrivateContainerd::MissingTools();
  if (missing.empty()) missing = PrivateContainerd::MissingCniTools();
  if (!missing.empty()) GTEST_SKIP() << "`make deps` installs what is missing: " << missing;
  auto started = PrivateContainerd::Start({.own_network = true});
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto containerd = std::move(*started);
  const std::string dir = containerd->dir();
  const std::string netns = NamespaceOf(containerd->network_namespace());
  ASSERT_FALSE(netns.empty());
  EXPECT_NE(netns, NamespaceOf("/proc/thread-self/ns/net"));
  EXPECT_EQ(NamespaceOf("/proc/" + std::to_string(containerd->pid()) + "/ns/net"), netns);
  const bool var_lib_cni_before = std::filesystem::exists("/var/lib/cni");

  // A bridged pod (network POD) serving HTTP on all its addresses.
  boost::asio::io_context io;
  auto client = NewCriClient(io, containerd->endpoint());
  ASSERT_TRUE(client.ok());
  v1::RunPodSandboxRequest run;
  auto* config = run.mutable_config();
  config->mutable_metadata()->set_name("bridged");
  config->mutable_metadata()->set_uid("bridged-uid");
  config->mutable_metadata()->set_namespace_("default");
  config->set_hostname("bridged");
  config->mutable_linux()->set_cgroup_parent(containerd->CgroupParent("podbridged"));
  config->mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_network(
      v1::POD);
  auto sandbox = Await<v1::RunPodSandboxResponse>(
      io, [&](auto done) { (*client)->RunPodSandbox(run, 30s, std::move(done)); });
  ASSERT_TRUE(sandbox && sandbox->ok()) << (sandbox ? sandbox->error().message : "no answer");
  auto pod_ip = [&]() -> std::string {
    v1::PodSandboxStatusRequest request;
    request.set_pod_sandbox_id((*sandbox)->pod_sandbox_id());
    auto status = Await<v1::PodSandboxStatusResponse>(
        io, [&](auto done) { (*client)->PodSandboxStatus(request, 10s, std::move(done)); });
    if (!status || !status->ok()) {
      return "PodSandboxStatus: " + (status ? status->error().message : "no answer");
    }
    return (*status)->status().network().ip();
  };
  const std::string ip = pod_ip();
  EXPECT_TRUE(InSubnet24(ip, containerd->pod_subnet())) << ip << " " << containerd->pod_subnet();
  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id((*sandbox)->pod_sandbox_id());
  *create.mutable_sandbox_config() = run.config();
  create.mutable_config()->mutable_metadata()->set_name("httpd");
  create.mutable_config()->mutable_image()->set_image(PrivateContainerd::kTestImage);
  for (const char* arg :
       {"sh", "-c", "echo pod > /tmp/index.html; exec httpd -f -p 8080 -h /tmp"}) {
    create.mutable_config()->add_command(arg);
  }
  auto created = Await<v1::CreateContainerResponse>(
      io, [&](auto done) { (*client)->CreateContainer(create, 30s, std::move(done)); });
  ASSERT_TRUE(created && created->ok()) << (created ? created->error().message : "no answer");
  v1::StartContainerRequest start;
  start.set_container_id((*created)->container_id());
  auto running = Await<v1::StartContainerResponse>(
      io, [&](auto done) { (*client)->StartContainer(start, 30s, std::move(done)); });
  ASSERT_TRUE(running && running->ok()) << (running ? running->error().message : "no answer");

  {
    auto entered = EnteredNetworkNamespace::Enter(containerd->network_namespace());
    ASSERT_TRUE(entered.ok()) << entered.error().message;
    EXPECT_EQ(NamespaceOf("/proc/thread-self/ns/net"), netns);
    EXPECT_NE(HttpGetWithin(ip, 8080, 10s).find("\r\n\r\npod\n"), std::string::npos);
  }
  EXPECT_NE(NamespaceOf("/proc/thread-self/ns/net"), netns) << "back where it was";
  // (Outside, something else may answer for any address: a proxy here does.)
  EXPECT_EQ(HttpGet(ip, 8080).find("\r\n\r\npod\n"), std::string::npos)
      << "the pod is not reachable from outside the namespace";

  // Killed and relaunched: the same namespace, the pod still there and reachable.
  containerd->Kill();
  ASSERT_TRUE(containerd->Relaunch().ok()) << containerd->LogTail();
  EXPECT_EQ(NamespaceOf("/proc/" + std::to_string(containerd->pid()) + "/ns/net"), netns);
  EXPECT_EQ(pod_ip(), ip) << "the pod's network namespace is still mounted for containerd";
  {
    auto entered = EnteredNetworkNamespace::Enter(containerd->network_namespace());
    ASSERT_TRUE(entered.ok()) << entered.error().message;
    EXPECT_NE(HttpGet(ip, 8080).find("\r\n\r\npod\n"), std::string::npos);
  }
  ASSERT_FALSE(std::filesystem::is_empty(dir + "/var-lib/cni/results"))
      << "libcni's cache is kept under the directory, not the host's /var/lib";
  client->reset();

  // Left running for teardown: its CNI DEL empties the cache; the namespace goes.
  std::string holder_ns = containerd->network_namespace();
  auto leftovers = containerd->Teardown();
  EXPECT_TRUE(leftovers.empty()) << leftovers.front();
  EXPECT_FALSE(std::filesystem::exists(holder_ns));
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_EQ(std::filesystem::exists("/var/lib/cni"), var_lib_cni_before) << "nothing on the host";
  EXPECT_EQ(CountProcessesMentioning(dir + "/"), 0);
}

}  // namespace
}  // namespace probelet::runtime::cri::testing
