#include "kubelet/runtime_command_runner.h"

#include <utility>

namespace probelet::kubelet {

void RuntimeCommandRunner::RunInContainer(const std::string& container_id,
                                          const std::vector<std::string>& argv,
                                          base::Duration timeout,
                                          std::function<void(probe::ExecResult)> done) {
  std::weak_ptr<int> alive = alive_;
  runtime_.ExecSync(container_id, argv, timeout,
                    [alive, done = std::move(done)](runtime::ExecSyncResult r) {
                      if (!alive.expired()) done(std::move(r));
                    });
}

}  // namespace probelet::kubelet
