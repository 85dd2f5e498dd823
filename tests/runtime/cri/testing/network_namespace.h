// EnteredNetworkNamespace: the calling thread moved into another network namespace (setns(2)
// with CLONE_NEWNET) for the guard's lifetime, and back into the one it was in when the guard
// goes. Network namespaces are per thread: what the thread creates afterwards (sockets, child
// processes: they inherit the forking thread's namespaces) lives there, other threads stay
// where they are. For tests that must reach a private containerd's pods by their CNI addresses
// and its loopback (PrivateContainerd::network_namespace()).
//
// Thread: construct and destroy on the same thread. Needs CAP_SYS_ADMIN (root).
#pragma once

#include <memory>
#include <string>

#include "base/expected.h"
#include "base/unique_fd.h"

namespace probelet::runtime::cri::testing {

class EnteredNetworkNamespace {
 public:
  // Enters the namespace at `path` (e.g. "/proc/<pid>/ns/net").
  static base::Expected<std::unique_ptr<EnteredNetworkNamespace>> Enter(const std::string& path);

  EnteredNetworkNamespace(const EnteredNetworkNamespace&) = delete;
  EnteredNetworkNamespace& operator=(const EnteredNetworkNamespace&) = delete;
  // Back to the original namespace (aborts if that fails: the thread would be left elsewhere).
  ~EnteredNetworkNamespace();

 private:
  explicit EnteredNetworkNamespace(base::UniqueFd original) : original_(std::move(original)) {}
  base::UniqueFd original_;
};

}  // namespace probelet::runtime::cri::testing
