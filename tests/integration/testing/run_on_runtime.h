// RunOnRuntimeTest: `probelet run` integration tests that run once per runtime (issue 10 §3):
// the process runtime, and containerd through CRI (a private containerd per test process,
// tests/runtime/cri/testing/containerd_fixture.h, started at the first containerd test and torn
// down after the suite; the suite fails on anything teardown had to clean up by force).
//
// A test writes one manifest for both: containers say `image: local` (4-space indent) and run
// commands that exist on the host and in the test image (busybox applets through /bin/sh,
// `busybox httpd`); paths under the harness's directory are used as they are. Start() rewrites
// the manifest for containerd: the image becomes the test image and the harness's directory is
// mounted into every container at the same path (hostPath), so files the test touches are seen
// by the container and its probes; and it adds the runtime's flags to `probelet run`.
//
// Blocking, test thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "integration/run_harness.h"
#include "runtime/cri/testing/containerd_fixture.h"

namespace probelet::testing {

enum class TestRuntime { kProcess, kContainerd };

// "Process", "Containerd": the suffix of the test names.
std::string TestRuntimeName(const ::testing::TestParamInfo<TestRuntime>& info);

class RunOnRuntimeTest : public ::testing::TestWithParam<TestRuntime> {
 public:
  static void TearDownTestSuite();

 protected:
  // Skips a containerd test when containerd is not installed; fails when it will not start.
  void SetUp() override;

  // How the suite's containerd starts (at its first containerd test): a suite overrides it for
  // e.g. a network namespace of its own.
  virtual runtime::cri::testing::ContainerdOptions containerd_options() const { return {}; }

  bool on_containerd() const { return GetParam() == TestRuntime::kContainerd; }
  // The manifest as the runtime needs it (see the file comment).
  std::string ForRuntime(const std::string& manifest, const RunHarness& h) const;
  // The flags that select the runtime.
  std::vector<std::string> RuntimeFlags() const;
  // h.Start(ForRuntime(manifest), RuntimeFlags() + extra).
  void Start(RunHarness& h, const std::string& manifest, std::vector<std::string> extra = {});

  // A shell command line that serves `dir` over HTTP on `address`:`port` (busybox httpd in the
  // foreground) and exits 0 on SIGTERM, on either runtime: `healthz` answers 200 while
  // `dir`/healthz exists, 404 once it is removed. 0.0.0.0 for a pod with its own (CNI) IP.
  static std::string HttpServerScript(const std::string& dir, int port,
                                      const std::string& address = "127.0.0.1");
  // The containers (pause included) the suite's containerd holds in its k8s.io namespace.
  static std::vector<std::string> ContainerdContainers();

  static runtime::cri::testing::PrivateContainerd* containerd();

 private:
  static std::unique_ptr<runtime::cri::testing::PrivateContainerd> containerd_;
  static std::string start_error_;
};

#define PROBELET_ON_BOTH_RUNTIMES(suite)                                                     \
  INSTANTIATE_TEST_SUITE_P(, suite,                                                          \
                           ::testing::Values(::probelet::testing::TestRuntime::kProcess,     \
                                             ::probelet::testing::TestRuntime::kContainerd), \
                           ::probelet::testing::TestRuntimeName)

}  // namespace probelet::testing
