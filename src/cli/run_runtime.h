// The container runtime `probelet run` runs its pods on, chosen by its flags: the process
// runtime by default (the Agent makes it), or with --container-runtime-endpoint the CRI runtime
// (runtime/cri/cri_runtime.h), which is made and checked here before any pod starts: the
// endpoint must answer Version and Status with RuntimeReady (and NetworkReady for
// --pod-network cni), else `probelet run` exits 1 with the error. Then what an earlier
// probelet with the same state dir left running (it was killed, or kept its containers on exit)
// is adopted: its ready sandboxes and their containers (CriRuntime::Adopt; its stopped
// sandboxes are removed). The process runtime runs in shim mode (process_runtime.h): the
// containers an earlier probelet with the same state dir left are adopted; a state file it
// cannot read ends `probelet run` with exit 1 and nothing touched.
//
// Thread: the main thread, before the agent's loop runs: MakeRunRuntime turns `io` (run_one)
// until the runtime has answered or its deadline has passed. Ownership: the result's runtime
// must be handed to the Agent, which keeps it as long as `io` and `clock` live.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/expected.h"
#include "cli/run_command.h"
#include "runtime/image_service.h"
#include "runtime/runtime.h"

namespace boost::asio {
class io_context;
}

namespace probelet::cli {

struct RunRuntime {
  std::unique_ptr<runtime::Runtime> runtime;
  runtime::ImageService* images = nullptr;  // the CRI runtime's images; null otherwise
  std::string description;                  // for the start-up log line
  // Stopped sandboxes of an earlier probelet with the same state dir, removed before any pod
  // starts (the CRI runtime).
  size_t leftover_sandboxes = 0;
  // The containers that an earlier probelet with the same state dir left running (or that
  // ended meanwhile), taken back before any pod starts.
  size_t adopted_containers = 0;
};

// An Error's message says what failed and names the flag: "--container-runtime-endpoint
// unix:///x.sock: runtime not answering: ...".
base::Expected<RunRuntime> MakeRunRuntime(boost::asio::io_context& io, base::Clock& clock,
                                          const RunFlags& flags);

}  // namespace probelet::cli
