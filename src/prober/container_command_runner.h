// ContainerCommandRunner: runs an exec probe's command inside a container (the kubelet's
// CRI ExecSync through prober.go newExecInContainer, §5.2). Implemented by the kubelet over the
// runtime's exec-sync; tests use a fake.
//
// Thread safety: event loop thread only. `done` is called exactly once, on the loop thread,
// never from inside RunInContainer (same contract as probe::CommandRunner). Ownership: must
// outlive the ProberManager; destroying it with runs pending cancels them without calling
// `done`.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "probe/probers.h"

namespace probelet::prober {

class ContainerCommandRunner {
 public:
  virtual ~ContainerCommandRunner() = default;
  // `argv` is already expanded: $(VAR) from the container's own env values only
  // (ExpandContainerCommandOnlyStatic, §5.2.1).
  virtual void RunInContainer(const std::string& container_id, const std::vector<std::string>& argv,
                              base::Duration timeout,
                              std::function<void(probe::ExecResult)> done) = 0;
};

}  // namespace probelet::prober
