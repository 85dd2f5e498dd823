#include "runtime/cri/testing/network_namespace.h"

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace probelet::runtime::cri::testing {

namespace {

base::Error SysError(const std::string& what) {
  const int err = errno;
  return base::Error{what + ": " + std::strerror(err), err};
}

}  // namespace

base::Expected<std::unique_ptr<EnteredNetworkNamespace>> EnteredNetworkNamespace::Enter(
    const std::string& path) {
  // thread-self, not self: /proc/self is the thread group leader's, which may differ.
  base::UniqueFd original(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
  if (!original.valid()) return SysError("open /proc/thread-self/ns/net");
  base::UniqueFd target(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!target.valid()) return SysError("open " + path);
  if (::setns(target.get(), CLONE_NEWNET) != 0) return SysError("setns " + path);
  return std::unique_ptr<EnteredNetworkNamespace>(new EnteredNetworkNamespace(std::move(original)));
}

EnteredNetworkNamespace::~EnteredNetworkNamespace() {
  if (::setns(original_.get(), CLONE_NEWNET) != 0) std::abort();
}

}  // namespace probelet::runtime::cri::testing
