#include "integration/testing/run_on_runtime.h"

#include "integration/testing/kubectl_env.h"

namespace probelet::testing {

using runtime::cri::testing::PrivateContainerd;

std::unique_ptr<PrivateContainerd> RunOnRuntimeTest::containerd_;
std::string RunOnRuntimeTest::start_error_;

std::string TestRuntimeName(const ::testing::TestParamInfo<TestRuntime>& info) {
  return info.param == TestRuntime::kProcess ? "Process" : "Containerd";
}

void RunOnRuntimeTest::SetUp() {
  if (!on_containerd()) return;
  if (std::string missing = PrivateContainerd::MissingTools(); !missing.empty()) {
    GTEST_SKIP() << "containerd tests need " << missing << " (make deps installs them)";
  }
  if (!containerd_ && start_error_.empty()) {
    auto started = PrivateContainerd::Start(containerd_options());
    if (started.ok()) {
      containerd_ = std::move(*started);
    } else {
      start_error_ = started.error().message;
    }
  }
  ASSERT_TRUE(containerd_) << "private containerd: " << start_error_;
}

void RunOnRuntimeTest::TearDownTestSuite() {
  if (!containerd_) return;
  std::vector<std::string> leftovers = containerd_->Teardown();
  for (const auto& l : leftovers) ADD_FAILURE() << "containerd teardown: " << l;
  containerd_.reset();
}

PrivateContainerd* RunOnRuntimeTest::containerd() { return containerd_.get(); }

std::string RunOnRuntimeTest::ForRuntime(const std::string& manifest, const RunHarness& h) const {
  if (!on_containerd()) return manifest;
  std::string out = manifest;
  const std::string image = "    image: local\n";
  const std::string mounted = std::string("    image: ") + PrivateContainerd::kTestImage +
                              "\n    volumeMounts:\n    - {name: test-dir, mountPath: " + h.dir() +
                              "}\n";
  for (size_t at = out.find(image); at != std::string::npos;
       at = out.find(image, at + mounted.size())) {
    out.replace(at, image.size(), mounted);
  }
  const std::string spec = "\nspec:\n";
  const std::string volumes =
      "  volumes:\n  - name: test-dir\n    hostPath: {path: " + h.dir() + "}\n";
  for (size_t at = out.find(spec); at != std::string::npos; at = out.find(spec, at + 1)) {
    out.insert(at + spec.size(), volumes);
  }
  return out;
}

std::vector<std::string> RunOnRuntimeTest::RuntimeFlags() const {
  if (!on_containerd()) return {};
  return {"--container-runtime-endpoint", containerd_->endpoint(), "--cgroup-root",
          containerd_->CgroupParent("run")};
}

void RunOnRuntimeTest::Start(RunHarness& h, const std::string& manifest,
                             std::vector<std::string> extra) {
  std::vector<std::string> flags = RuntimeFlags();
  flags.insert(flags.end(), extra.begin(), extra.end());
  h.Start(ForRuntime(manifest, h), flags);
}

std::string RunOnRuntimeTest::HttpServerScript(const std::string& dir, int port,
                                               const std::string& address) {
  return "mkdir -p " + dir + "; echo ok > " + dir + "/healthz; trap 'exit 0' TERM; " +
         "busybox httpd -f -p " + address + ":" + std::to_string(port) + " -h " + dir + " & wait";
}

std::vector<std::string> RunOnRuntimeTest::ContainerdContainers() {
  integration::CommandResult r = integration::RunCommand(
      "ctr -a " + containerd_->dir() + "/containerd.sock -n k8s.io containers ls -q",
      containerd_->dir());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return integration::Lines(r.out);
}

}  // namespace probelet::testing
