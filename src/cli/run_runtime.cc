#include "cli/run_runtime.h"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <utility>

#include "runtime/cri/cri_client.h"
#include "runtime/cri/cri_runtime.h"
#include "runtime/cri/direct_exec_probes.h"
#include "runtime/process_runtime.h"

namespace probelet::cli {
namespace {

// The node's memory, for the oom_score_adj the kubelet gives Burstable containers.
int64_t MemoryCapacity() {
  long pages = ::sysconf(_SC_PHYS_PAGES);
  long page = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : 0;
}

// The loop is not running yet (nothing else is on it): turns it until `answer` is set. Every
// CRI call has a deadline, so this ends.
template <typename T>
void AwaitAnswer(boost::asio::io_context& io, const std::optional<T>& answer) {
  while (!answer && io.run_one() > 0) {
  }
  io.restart();
}

// probelet-shim, next to the probelet binary (build/ and make install put them side by side).
std::string ShimPath() {
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "probelet-shim";
  return (self.parent_path() / "probelet-shim").string();
}

// The process runtime in shim mode: containers outlive probelet, and those an earlier
// probelet with this state dir left are adopted now, before any pod is added.
base::Expected<RunRuntime> MakeProcessRuntime(boost::asio::io_context& io, base::Clock& clock,
                                              const RunFlags& flags) {
  runtime::ProcessRuntimeOptions options;
  std::error_code ec;
  options.state_dir = std::filesystem::weakly_canonical(flags.state_dir, ec).string();
  if (ec) options.state_dir = flags.state_dir;
  options.shim_path = ShimPath();
  if (::access(options.shim_path.c_str(), X_OK) != 0) {
    return base::Error{"the process runtime needs probelet-shim next to probelet: " +
                       options.shim_path + ": not found"};
  }
  auto process = std::make_unique<runtime::ProcessRuntime>(io, clock, options);
  if (auto st = process->Adopt(); !st.ok()) {
    process->Detach();  // nothing of it is killed: it belongs to the state dir
    return base::Error{"--state-dir " + flags.state_dir + ": " + st.error().message +
                       " (nothing was started or stopped)"};
  }
  size_t adopted = process->ListContainers().size();
  RunRuntime out{std::move(process), nullptr,
                 "process runtime (pods run as supervised processes, each under its "
                 "probelet-shim)"};
  out.adopted_containers = adopted;
  return out;
}

}  // namespace

std::string RuntimeInstanceName(const std::string& state_dir) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::weakly_canonical(state_dir, ec);
  if (ec) abs = state_dir;
  std::string path = abs.lexically_normal().string();
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  uint64_t h = 14695981039346656037ull;  // FNV-1a: stable across builds, unlike std::hash
  for (unsigned char c : path) h = (h ^ c) * 1099511628211ull;
  return fmt::format("probelet-{:012x}", h & 0xffffffffffffull);
}

base::Expected<RunRuntime> MakeRunRuntime(boost::asio::io_context& io, base::Clock& clock,
                                          const RunFlags& flags) {
  if (flags.container_runtime_endpoint.empty()) return MakeProcessRuntime(io, clock, flags);
  const std::string flag = "--container-runtime-endpoint " + flags.container_runtime_endpoint;
  auto client = runtime::cri::NewCriClient(io, flags.container_runtime_endpoint);
  if (!client.ok()) return base::Error{flag + ": " + client.error().message};

  runtime::cri::CriRuntimeOptions options;
  options.instance = RuntimeInstanceName(flags.state_dir);
  options.cgroup_root = flags.cgroup_root;
  options.cni_network = flags.cni_network;
  options.memory_capacity = MemoryCapacity();
  if (flags.direct_exec_probes) options.direct_exec = runtime::cri::MakeDirectExec(io, clock);
  auto cri =
      std::make_unique<runtime::cri::CriRuntime>(io, clock, std::move(*client), std::move(options));

  std::optional<base::Expected<runtime::cri::RuntimeInfo>> checked;
  cri->CheckRuntime(
      [&](base::Expected<runtime::cri::RuntimeInfo> info) { checked = std::move(info); });
  AwaitAnswer(io, checked);
  if (!checked) return base::Error{flag + ": no answer"};
  if (!checked->ok()) return base::Error{flag + ": " + checked->error().message};
  const runtime::cri::RuntimeInfo& info = checked->value();
  if (flags.cni_network && !info.network_ready) {
    return base::Error{
        flag + ": --pod-network cni: container runtime network not ready: " + info.network_message +
        "; configure the runtime's CNI network or use --pod-network node"};
  }
  // What a predecessor with this state dir left running is taken back before anything starts
  // (its stopped sandboxes go).
  std::optional<base::Expected<runtime::cri::CriRuntime::Adopted>> adopted;
  cri->Adopt([&](auto found) { adopted = std::move(found); });
  AwaitAnswer(io, adopted);
  if (!adopted || !adopted->ok()) {
    return base::Error{flag + ": adopting the pods of an earlier run: " +
                       (adopted ? adopted->error().message : std::string("no answer")) +
                       " (nothing was started)"};
  }
  RunRuntime made;
  made.images = cri.get();
  made.leftover_sandboxes = adopted->value().removed;
  made.adopted_containers = adopted->value().containers;
  made.description = fmt::format(
      "{} {} (CRI {}) at {}, instance {}, pod network {}, exec probes {}", info.runtime_name,
      info.runtime_version, info.runtime_api_version, flags.container_runtime_endpoint,
      RuntimeInstanceName(flags.state_dir), flags.cni_network ? "cni" : "node",
      flags.direct_exec_probes ? "direct" : "through the runtime (ExecSync)");
  made.runtime = std::move(cri);
  return made;
}

}  // namespace probelet::cli
