// RuntimeCommandRunner: the prober's ContainerCommandRunner (C3) over the runtime's ExecSync,
// the way the kubelet's exec prober goes through CRI ExecSync (§5.2.2): the command runs in the
// container's context, and the reply is a probe::ExecResult as it is (both are
// base::CommandResult).
//
// Thread safety: event loop thread only. Ownership: the runtime must outlive the runner.
// Destroying the runner with runs pending drops their callbacks (C3's contract).
#pragma once

#include <memory>

#include "prober/container_command_runner.h"
#include "runtime/runtime.h"

namespace probelet::kubelet {

class RuntimeCommandRunner : public prober::ContainerCommandRunner {
 public:
  explicit RuntimeCommandRunner(runtime::Runtime& runtime) : runtime_(runtime) {}
  void RunInContainer(const std::string& container_id, const std::vector<std::string>& argv,
                      base::Duration timeout, std::function<void(probe::ExecResult)> done) override;

 private:
  runtime::Runtime& runtime_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace probelet::kubelet
