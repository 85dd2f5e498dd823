// `probelet run --pod-network cni` end to end (issue 10 §1): a private containerd in a network
// namespace of its own with a CNI bridge (PrivateContainerd own_network). The test's thread
// enters that namespace before anything makes a socket or a process, so probelet, its API on
// 127.0.0.1 and the test's HTTP client all live there, beside the bridge that reaches the pods.
// The refusal of `--pod-network cni` by a containerd without CNI config is in
// run_containerd_test.cc.
#include <gmock/gmock.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "integration/testing/run_on_runtime.h"
#include "run_harness.h"
#include "runtime/cri/testing/containerd_fixture.h"
#include "runtime/cri/testing/network_namespace.h"

namespace probelet {
namespace {

using runtime::cri::testing::ContainerdOptions;
using runtime::cri::testing::EnteredNetworkNamespace;
using runtime::cri::testing::PrivateContainerd;
using testing::FreePort;
using testing::Json;
using testing::RunHarness;
using namespace std::chrono_literals;

class RunContainerdCniTest : public testing::RunOnRuntimeTest {
 protected:
  ContainerdOptions containerd_options() const override { return {.own_network = true}; }

  void SetUp() override {
    if (std::string missing = PrivateContainerd::MissingCniTools(); !missing.empty()) {
      GTEST_SKIP() << "CNI tests need " << missing << " (make deps installs them)";
    }
    RunOnRuntimeTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto entered = EnteredNetworkNamespace::Enter(containerd()->network_namespace());
    ASSERT_TRUE(entered.ok()) << entered.error().message;
    network_ = std::move(*entered);
  }
  // Back to the test's own namespace before the suite's containerd (and its namespace) goes.
  void TearDown() override { network_.reset(); }

  // "10.88.x." of the containerd's "10.88.x.0/24".
  static std::string SubnetPrefix() {
    const std::string& subnet = containerd()->pod_subnet();
    return subnet.substr(0, subnet.rfind(".0/24") + 1);
  }
  // The IP files host-local holds for the network (one per address in use).
  static int AddressesInUse() {
    int n = 0;
    std::error_code ec;
    std::string dir = containerd()->dir() + "/cni/ipam/" + containerd()->cni_network();
    for (auto it = std::filesystem::directory_iterator(dir, ec);
         !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
      n += it->path().filename().string().starts_with(SubnetPrefix());
    }
    return n;
  }

 private:
  std::unique_ptr<EnteredNetworkNamespace> network_;
};
INSTANTIATE_TEST_SUITE_P(, RunContainerdCniTest,
                         ::testing::Values(testing::TestRuntime::kContainerd),
                         testing::TestRuntimeName);

TEST_P(RunContainerdCniTest, APodOnTheCniNetworkIsProbedAtItsOwnIP) {
  RunHarness h;
  int port = FreePort();
  std::filesystem::create_directories(h.Path("www"));
  std::ofstream(h.Path("www/index.html")) << "pod\n";
  const std::string p = std::to_string(port);
  Start(h,
        R"(apiVersion: v1
kind: Pod
metadata: {name: bridged}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: app
    image: local
    command: [/bin/sh, -c, "echo $(POD_IP) > )" +
            h.Path("ips") + "; " + HttpServerScript(h.Path("www"), port, "0.0.0.0") + R"("]
    env:
    - name: POD_IP
      valueFrom: {fieldRef: {fieldPath: status.podIP}}
    readinessProbe:
      httpGet: {path: /index.html, port: )" +
            p + R"(}
      periodSeconds: 1
    livenessProbe:
      httpGet: {path: /healthz, port: )" +
            p + R"(}
      periodSeconds: 1
      failureThreshold: 2
)",
        {"--pod-network", "cni"});
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 30s))
      << h.Log();
  Json pod = h.Pod();
  const std::string pod_ip = pod["status"].value("podIP", "");
  const std::string host_ip = pod["status"].value("hostIP", "");
  EXPECT_TRUE(pod_ip.starts_with(SubnetPrefix()) && pod_ip.size() > SubnetPrefix().size())
      << pod_ip << " not in " << containerd()->pod_subnet();
  EXPECT_NE(pod_ip, host_ip);
  EXPECT_FALSE(host_ip.empty());
  ASSERT_TRUE(pod["status"].contains("podIPs")) << pod.dump();
  EXPECT_EQ(pod["status"]["podIPs"][0].value("ip", ""), pod_ip);
  EXPECT_EQ(AddressesInUse(), 1);
  // The downward API gives the container its CNI address.
  ASSERT_TRUE(h.WaitFor([&] { return h.Exists("ips"); }, 5s));
  std::ifstream ips(h.Path("ips"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(ips), {}), pod_ip + "\n");
  // Ready means probes reached the pod's IP: nothing listens on the node's loopback.
  EXPECT_EQ(testing::HttpGetAt(pod_ip, port, "/index.html"), "pod\n");
  EXPECT_EQ(testing::HttpGet(port, "/index.html"), std::nullopt);

  h.Remove("www/healthz");
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::RestartCount(h.Pod()) >= 1; }, 30s)) << h.Log();
  EXPECT_TRUE(h.HasEvent("Killing", "Container app failed liveness probe, will be restarted"))
      << h.Events().dump(1);
  ASSERT_TRUE(h.WaitFor([&] { return RunHarness::Condition(h.Pod(), "Ready") == "True"; }, 30s))
      << h.Log();
  EXPECT_EQ(h.Pod()["status"].value("podIP", ""), pod_ip) << "the same sandbox";

  EXPECT_EQ(h.SignalAndWait(SIGTERM, 30s), 0) << h.Log();
  EXPECT_EQ(ContainerdContainers(), std::vector<std::string>{})
      << "probelet's shutdown leaves no container (nor sandbox) in containerd";
  EXPECT_EQ(AddressesInUse(), 0) << "the pod's address is released";
}

}  // namespace
}  // namespace probelet
