// CriRuntimeTest: a CriRuntime (runtime/cri/cri_runtime.h) on the suite's private containerd
// (containerd_fixture.h), with the helpers its tests share: pods and containers of the test
// image, waiting on the loop for a callback or an exit, a free loopback port.
//
// Each test gets a fresh runtime (its own instance label, cgroup root under the containerd's)
// checked with CheckRuntime; TearDown shuts it down (removing its sandboxes) and fails the test
// when that fails. Thread: the test's main thread, which runs the loop (io()).
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/pod.h"
#include "base/asio_clock.h"
#include "runtime/cri/cri_runtime.h"
#include "runtime/cri/testing/containerd_fixture.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime::cri::testing {

class CriRuntimeTest : public ContainerdTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Options for the runtime SetUp makes; a test may change them and call MakeRuntime() again.
  CriRuntimeOptions DefaultOptions() const;
  // (Re)creates runtime() with `options`, checks it (CheckRuntime must succeed).
  void MakeRuntime(CriRuntimeOptions options);

  // Destroys the runtime without Shutdown (what it made stays; MakeRuntime with the same
  // instance picks it up for TearDown's Shutdown).
  void DestroyRuntime() { runtime_.reset(); }

  boost::asio::io_context& io() { return io_; }
  CriRuntime& runtime() { return *runtime_; }
  // The exits the exit handler saw, in order.
  const std::vector<ContainerStatus>& exits() const { return exits_; }
  // (healthy, message) as the health handler saw them, in order.
  const std::vector<std::pair<bool, std::string>>& health() const { return health_; }

  // Starts an operation with a callback and runs the loop until it calls back (nullopt, and
  // a test failure, if it does not within `wait`).
  template <typename T, typename StartFn>
  std::optional<T> Await(StartFn start, std::chrono::milliseconds wait = std::chrono::seconds(60)) {
    std::optional<T> result;
    start([&result](T r) { result.emplace(std::move(r)); });
    runtime::testing::RunUntil(
        io_, [&] { return result.has_value(); }, wait);
    if (!result) ADD_FAILURE() << "no callback within " << wait.count() << " ms";
    return result;
  }

  // A pod named `name` with a fresh uid, on the node's network, holding `containers`.
  api::Pod MakePod(const std::string& name, std::vector<api::Container> containers = {});
  // A container of the test image running `command`.
  static api::Container TestContainer(const std::string& name, std::vector<std::string> command);

  // RunPodSandbox for `pod` (kept alive by the fixture); fails the test on an error.
  PodSandbox RunSandbox(const api::Pod& pod);
  // ContainerConfig for `container` in `sandbox`, image resolved to the test image's id.
  ContainerConfig MakeConfig(const PodSandbox& sandbox, const api::Pod& pod,
                             const api::Container& container, int32_t restart_count = 0);
  base::Expected<std::string> Create(const ContainerConfig& config);
  base::Status Start(const std::string& id);
  // Create + Start, failing the test on an error; the container's id.
  std::string CreateAndStart(const PodSandbox& sandbox, const api::Pod& pod,
                             const api::Container& container);
  // Runs the loop until the cache holds `id` as exited (or `wait`); its status.
  std::optional<ContainerStatus> WaitExited(
      const std::string& id, std::chrono::milliseconds wait = std::chrono::seconds(20));
  ExecSyncResult Exec(const std::string& id, const std::vector<std::string>& argv,
                      base::Duration timeout);
  // Runs the loop for `d`.
  void RunFor(std::chrono::milliseconds d);

  // The test image's id ("sha256:..."), from ImageStatus.
  std::string test_image_ref();
  // A TCP port on 127.0.0.1 that nothing listens on right now.
  static int FreePort();
  // The pods' log directories live here (removed after the test).
  const std::string& state_dir() const { return state_.path(); }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<base::AsioClock> clock_;
  std::unique_ptr<CriRuntime> runtime_;
  std::vector<ContainerStatus> exits_;
  std::vector<std::pair<bool, std::string>> health_;
  std::vector<std::unique_ptr<api::Pod>> pods_;
  std::string image_ref_;
  runtime::testing::TempDir state_;
  int pod_counter_ = 0;
};

}  // namespace probelet::runtime::cri::testing
