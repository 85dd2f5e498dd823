#include "kubelet/runtime_command_runner.h"

namespace probelet::kubelet {

probe::ExecResult ToExecResult(const runtime::ExecSyncResult& r) {
  probe::ExecResult out;
  switch (r.status) {
    case runtime::ExecSyncResult::Status::kExited:
      out.status = probe::ExecResult::Status::kExited;
      break;
    case runtime::ExecSyncResult::Status::kTimedOut:
      out.status = probe::ExecResult::Status::kTimedOut;
      break;
    case runtime::ExecSyncResult::Status::kError:
      out.status = probe::ExecResult::Status::kError;
      break;
  }
  out.exit_code = r.exit_code;
  out.output = r.output;
  out.error = r.error;
  return out;
}

void RuntimeCommandRunner::RunInContainer(const std::string& container_id,
                                          const std::vector<std::string>& argv,
                                          base::Duration timeout,
                                          std::function<void(probe::ExecResult)> done) {
  std::weak_ptr<int> alive = alive_;
  runtime_.ExecSync(container_id, argv, timeout,
                    [alive, done = std::move(done)](runtime::ExecSyncResult r) {
                      if (!alive.expired()) done(ToExecResult(r));
                    });
}

}  // namespace probelet::kubelet
