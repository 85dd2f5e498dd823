// MakeDirectExec: the CriRuntimeOptions::direct_exec of `probelet run --exec-probes direct`:
// runs an exec probe with RunInContainer (direct_exec.h) when the container's confinement can be
// reproduced, and declines (so the CRI runtime falls back to ExecSync) when CannotRunDirect
// says why not; the first refusal per container init is logged with the reason (not for an init
// that is gone: its container has exited and ExecSync reports that).
//
// Thread: the io_context's. Ownership: the returned function owns the commands it started;
// destroying it (with the CriRuntime that holds it) kills and reaps them without calling their
// `done`. `io` and `clock` must outlive it.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "base/captured_command.h"
#include "base/clock.h"

namespace boost::asio {
class io_context;
}

namespace probelet::runtime::cri {

using DirectExecFn =
    std::function<bool(int init_pid, const std::vector<std::string>& argv, base::Duration timeout,
                       std::function<void(base::CommandResult)> done)>;

DirectExecFn MakeDirectExec(boost::asio::io_context& io, base::Clock& clock);

}  // namespace probelet::runtime::cri
