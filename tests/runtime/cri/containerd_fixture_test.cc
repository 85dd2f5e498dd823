// The fixture's promise: teardown leaves nothing, even when a test leaves a running pod behind.
#include "runtime/cri/testing/containerd_fixture.h"

#include <dirent.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <optional>

#include "runtime/cgroup.h"
#include "runtime/cri/cri_client.h"
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

}  // namespace
}  // namespace probelet::runtime::cri::testing
