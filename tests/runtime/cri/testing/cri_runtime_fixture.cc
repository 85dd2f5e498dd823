#include "runtime/cri/testing/cri_runtime_fixture.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "base/unique_fd.h"

namespace probelet::runtime::cri::testing {

using namespace std::chrono_literals;

void CriRuntimeTest::SetUp() {
  ContainerdTest::SetUp();
  if (IsSkipped() || HasFatalFailure()) return;
  clock_ = std::make_unique<base::AsioClock>(io_);
  MakeRuntime(DefaultOptions());
}

void CriRuntimeTest::TearDown() {
  if (runtime_) {
    auto shut = Await<base::Status>([&](auto done) { runtime_->Shutdown(std::move(done)); });
    EXPECT_TRUE(shut && shut->ok()) << (shut && !shut->ok() ? shut->error().message : "");
    runtime_.reset();
  }
  pods_.clear();
}

CriRuntimeOptions CriRuntimeTest::DefaultOptions() const {
  CriRuntimeOptions options;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  options.instance = std::string("test-") + info->name();
  options.cgroup_root = containerd().CgroupParent(info->name());
  options.relist_period = 200ms;
  options.relist_max_backoff = 1s;
  return options;
}

void CriRuntimeTest::MakeRuntime(CriRuntimeOptions options) {
  if (runtime_) {
    auto shut = Await<base::Status>([&](auto done) { runtime_->Shutdown(std::move(done)); });
    ASSERT_TRUE(shut && shut->ok());
    runtime_.reset();
  }
  auto client = NewCriClient(io_, containerd().endpoint());
  ASSERT_TRUE(client.ok());
  runtime_ = std::make_unique<CriRuntime>(io_, *clock_, std::move(*client), std::move(options));
  runtime_->SetExitHandler([this](const ContainerStatus& s) { exits_.push_back(s); });
  runtime_->SetHealthHandler(
      [this](bool healthy, const std::string& message) { health_.emplace_back(healthy, message); });
  auto info = Await<base::Expected<RuntimeInfo>>(
      [&](auto done) { runtime_->CheckRuntime(std::move(done)); });
  ASSERT_TRUE(info && info->ok()) << (info && !info->ok() ? info->error().message : "");
  EXPECT_EQ((*info)->runtime_name, "containerd");
  EXPECT_EQ(runtime_->name(), "containerd");
}

api::Pod CriRuntimeTest::MakePod(const std::string& name, std::vector<api::Container> containers) {
  api::Pod pod;
  pod.metadata.name = name;
  pod.metadata.namespace_ = "default";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  pod.metadata.uid = std::string(info->name()) + "-" + std::to_string(++pod_counter_);
  pod.spec.containers = std::move(containers);
  pod.spec.termination_grace_period_seconds = 30;
  return pod;
}

api::Container CriRuntimeTest::TestContainer(const std::string& name,
                                             std::vector<std::string> command) {
  api::Container c;
  c.name = name;
  c.image = PrivateContainerd::kTestImage;
  c.command = std::move(command);
  return c;
}

PodSandbox CriRuntimeTest::RunSandbox(const api::Pod& pod) {
  pods_.push_back(std::make_unique<api::Pod>(pod));
  const api::Pod& kept = *pods_.back();
  PodSandboxConfig config{&kept,
                          state_.path() + "/pods/" + kept.metadata.namespace_ + "_" +
                              kept.metadata.name + "_" + kept.metadata.uid,
                          0};
  auto sandbox = Await<base::Expected<PodSandbox>>(
      [&](auto done) { runtime_->RunPodSandbox(config, std::move(done)); });
  EXPECT_TRUE(sandbox && sandbox->ok())
      << (sandbox && !sandbox->ok() ? sandbox->error().message : "");
  if (!sandbox || !sandbox->ok()) return {};
  return **sandbox;
}

std::string CriRuntimeTest::test_image_ref() {
  if (!image_ref_.empty()) return image_ref_;
  auto status = Await<base::Expected<std::optional<ImageInfo>>>(
      [&](auto done) { runtime_->ImageStatus(PrivateContainerd::kTestImage, std::move(done)); });
  if (status && status->ok() && status->value()) image_ref_ = (*status)->value().ref;
  EXPECT_FALSE(image_ref_.empty()) << "no test image";
  return image_ref_;
}

ContainerConfig CriRuntimeTest::MakeConfig(const PodSandbox& sandbox, const api::Pod& pod,
                                           const api::Container& container, int32_t restart_count) {
  ContainerConfig config;
  config.container = container;
  config.pod = {pod.metadata.name, pod.metadata.namespace_, pod.metadata.uid, sandbox.pod_ip};
  config.sandbox_id = sandbox.id;
  config.image_ref = test_image_ref();
  config.restart_count = restart_count;
  config.log_directory = state_.path() + "/pods/" + pod.metadata.namespace_ + "_" +
                         pod.metadata.name + "_" + pod.metadata.uid + "/" + container.name;
  return config;
}

base::Expected<std::string> CriRuntimeTest::Create(const ContainerConfig& config) {
  auto id = Await<base::Expected<std::string>>(
      [&](auto done) { runtime_->CreateContainer(config, std::move(done)); });
  if (!id) return base::Error{"no answer"};
  return *id;
}

base::Status CriRuntimeTest::Start(const std::string& id) {
  auto started =
      Await<base::Status>([&](auto done) { runtime_->StartContainer(id, std::move(done)); });
  if (!started) return base::Error{"no answer"};
  return *started;
}

std::string CriRuntimeTest::CreateAndStart(const PodSandbox& sandbox, const api::Pod& pod,
                                           const api::Container& container) {
  auto id = Create(MakeConfig(sandbox, pod, container));
  EXPECT_TRUE(id.ok()) << (id.ok() ? "" : id.error().message);
  if (!id.ok()) return "";
  auto started = Start(*id);
  EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  return *id;
}

std::optional<ContainerStatus> CriRuntimeTest::WaitExited(const std::string& id,
                                                          std::chrono::milliseconds wait) {
  runtime::testing::RunUntil(
      io_,
      [&] {
        auto s = runtime_->GetContainerStatus(id);
        return s && s->state == ContainerState::kExited;
      },
      wait);
  return runtime_->GetContainerStatus(id);
}

ExecSyncResult CriRuntimeTest::Exec(const std::string& id, const std::vector<std::string>& argv,
                                    base::Duration timeout) {
  auto r = Await<ExecSyncResult>(
      [&](auto done) { runtime_->ExecSync(id, argv, timeout, std::move(done)); });
  return r ? *r : ExecSyncResult{};
}

void CriRuntimeTest::RunFor(std::chrono::milliseconds d) {
  runtime::testing::RunUntil(
      io_, [] { return false; }, d);
}

int CriRuntimeTest::FreePort() {
  base::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return 0;
  }
  return ntohs(addr.sin_port);
}

}  // namespace probelet::runtime::cri::testing
