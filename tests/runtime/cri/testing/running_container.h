// RunningContainer: one hostNetwork sandbox with one started container of the test image in a
// private containerd (containerd_fixture.h), made through CriClient as the kubelet makes them,
// and the container's init pid (ContainerStatus verbose info). For the direct exec tests and
// bench/exec_probe. Blocking: it runs `io` until each call answers (test and bench code only).
// Removing the sandbox is the caller's (or the fixture teardown's) job.
#pragma once

#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>
#include <vector>

#include "base/expected.h"
#include "runtime/cri/cri_client.h"
#include "runtime/cri/testing/containerd_fixture.h"

namespace probelet::runtime::cri::testing {

struct RunningContainer {
  std::string sandbox_id, container_id;
  pid_t pid = 0;  // the container's init, in our pid namespace
};

// Creates and starts `command` in a new sandbox; `customize` may change the container config
// (env, working_dir, security context...) before CreateContainer.
base::Expected<RunningContainer> StartContainer(
    boost::asio::io_context& io, CriClient& client, PrivateContainerd& containerd,
    const std::string& name, std::vector<std::string> command,
    const std::function<void(v1::ContainerConfig&)>& customize = nullptr);

// ExecSync through the client: (exit code, stdout + stderr) or the RPC error.
base::Expected<std::pair<int, std::string>> ExecSync(boost::asio::io_context& io, CriClient& client,
                                                     const std::string& id,
                                                     const std::vector<std::string>& cmd,
                                                     int timeout_s = 10);

// StopPodSandbox + RemovePodSandbox.
void RemoveSandbox(boost::asio::io_context& io, CriClient& client, const std::string& id);

}  // namespace probelet::runtime::cri::testing
