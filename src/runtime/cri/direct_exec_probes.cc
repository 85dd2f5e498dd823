#include "runtime/cri/direct_exec_probes.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "runtime/cri/direct_exec.h"

namespace probelet::runtime::cri {
namespace {

struct Runs {
  boost::asio::io_context& io;
  base::Clock& clock;
  uint64_t next = 1;
  std::map<uint64_t, std::unique_ptr<DirectExecCommand>> running;
  std::set<int> refused;  // init pids already logged
};

}  // namespace

DirectExecFn MakeDirectExec(boost::asio::io_context& io, base::Clock& clock) {
  auto runs = std::make_shared<Runs>(Runs{io, clock, 1, {}, {}});
  return [runs](int init_pid, const std::vector<std::string>& argv, base::Duration timeout,
                std::function<void(base::CommandResult)> done) {
    if (std::string why = CannotRunDirect(init_pid); !why.empty()) {
      // An init that is gone is a container that just exited (the relist has not seen it yet):
      // ExecSync gives the runtime's answer for it, and there is no confinement to warn about.
      bool gone = ::kill(init_pid, 0) != 0 && errno == ESRCH;
      if (!gone && runs->refused.insert(init_pid).second) {
        spdlog::warn("exec probes: container init {} runs through ExecSync, not directly: {}",
                     init_pid, why);
      }
      return false;
    }
    uint64_t key = runs->next++;
    std::weak_ptr<Runs> weak = runs;
    runs->running[key] =
        RunInContainer(runs->io, runs->clock, init_pid, argv, timeout,
                       [weak, key, done = std::move(done)](base::CommandResult result) {
                         if (auto alive = weak.lock()) {
                           // Not inside the command's own callback: it is destroyed on the next
                           // turn.
                           boost::asio::post(alive->io, [weak, key] {
                             if (auto still = weak.lock()) still->running.erase(key);
                           });
                         }
                         done(std::move(result));
                       });
    return true;
  };
}

}  // namespace probelet::runtime::cri
