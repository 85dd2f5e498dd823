#include "runtime/cri/testing/running_container.h"

#include <chrono>
#include <optional>
#include <random>
#include <regex>

namespace probelet::runtime::cri::testing {
namespace {

using namespace std::chrono_literals;

// Starts one call and runs the loop until it answers (the client's deadline bounds it).
template <typename Response, typename StartFn>
RpcResult<Response> Await(boost::asio::io_context& io, StartFn start) {
  std::optional<RpcResult<Response>> result;
  start([&result](RpcResult<Response> r) { result.emplace(std::move(r)); });
  io.restart();
  while (!result && io.run_one_for(60s) > 0) {
  }
  if (!result) return RpcError{grpc::StatusCode::UNKNOWN, "no answer"};
  return std::move(*result);
}

base::Error RpcFailure(const std::string& what, const RpcError& e) {
  return base::Error{what + ": " + e.message, EIO};
}

}  // namespace

base::Expected<RunningContainer> StartContainer(
    boost::asio::io_context& io, CriClient& client, PrivateContainerd& containerd,
    const std::string& name, std::vector<std::string> command,
    const std::function<void(v1::ContainerConfig&)>& customize) {
  RunningContainer out;
  v1::ImageStatusRequest image_request;
  image_request.mutable_image()->set_image(PrivateContainerd::kTestImage);
  auto image = Await<v1::ImageStatusResponse>(
      io, [&](auto done) { client.ImageStatus(image_request, 5s, std::move(done)); });
  if (!image.ok()) return RpcFailure("ImageStatus", image.error());

  std::string uid = "uid-" + std::to_string(std::random_device()());
  v1::RunPodSandboxRequest run;
  auto* config = run.mutable_config();
  config->mutable_metadata()->set_name(name);
  config->mutable_metadata()->set_uid(uid);
  config->mutable_metadata()->set_namespace_("default");
  config->set_log_directory(containerd.dir() + "/pods/default_" + name + "_" + uid);
  auto* linux = config->mutable_linux();
  linux->set_cgroup_parent(containerd.CgroupParent("pod" + uid));
  auto* ns = linux->mutable_security_context()->mutable_namespace_options();
  ns->set_network(v1::NODE);
  ns->set_pid(v1::CONTAINER);
  ns->set_ipc(v1::POD);
  auto sandbox = Await<v1::RunPodSandboxResponse>(
      io, [&](auto done) { client.RunPodSandbox(run, 30s, std::move(done)); });
  if (!sandbox.ok()) return RpcFailure("RunPodSandbox", sandbox.error());
  out.sandbox_id = sandbox->pod_sandbox_id();

  v1::CreateContainerRequest create;
  create.set_pod_sandbox_id(out.sandbox_id);
  *create.mutable_sandbox_config() = run.config();
  auto* c = create.mutable_config();
  c->mutable_metadata()->set_name(name);
  c->mutable_image()->set_image(image->image().id());
  for (auto& arg : command) c->add_command(arg);
  c->set_log_path(name + "/0.log");
  // As the kubelet sets them: the container's own pid namespace, the pod's network and ipc.
  auto* c_ns = c->mutable_linux()->mutable_security_context()->mutable_namespace_options();
  c_ns->set_network(v1::NODE);
  c_ns->set_pid(v1::CONTAINER);
  c_ns->set_ipc(v1::POD);
  if (customize) customize(*c);
  auto created = Await<v1::CreateContainerResponse>(
      io, [&](auto done) { client.CreateContainer(create, 30s, std::move(done)); });
  if (!created.ok()) return RpcFailure("CreateContainer", created.error());
  out.container_id = created->container_id();
  v1::StartContainerRequest start;
  start.set_container_id(out.container_id);
  auto started = Await<v1::StartContainerResponse>(
      io, [&](auto done) { client.StartContainer(start, 30s, std::move(done)); });
  if (!started.ok()) return RpcFailure("StartContainer", started.error());

  v1::ContainerStatusRequest status_request;
  status_request.set_container_id(out.container_id);
  status_request.set_verbose(true);
  auto status = Await<v1::ContainerStatusResponse>(
      io, [&](auto done) { client.ContainerStatus(status_request, 5s, std::move(done)); });
  if (!status.ok()) return RpcFailure("ContainerStatus", status.error());
  // containerd's verbose info: {"info": "{... \"pid\": 1234, ...}"}.
  std::smatch m;
  static const std::regex kPid("\"pid\":\\s*([0-9]+)");
  const std::string& info = status->info().count("info") ? status->info().at("info") : "";
  if (!std::regex_search(info, m, kPid)) return base::Error{"no pid in status info", EIO};
  out.pid = static_cast<pid_t>(std::stol(m[1]));
  return out;
}

base::Expected<std::pair<int, std::string>> ExecSync(boost::asio::io_context& io, CriClient& client,
                                                     const std::string& id,
                                                     const std::vector<std::string>& cmd,
                                                     int timeout_s) {
  v1::ExecSyncRequest request;
  request.set_container_id(id);
  for (const auto& arg : cmd) request.add_cmd(arg);
  request.set_timeout(timeout_s);
  auto r = Await<v1::ExecSyncResponse>(io, [&](auto done) {
    client.ExecSync(request, std::chrono::seconds(timeout_s + 10), std::move(done));
  });
  if (!r.ok()) return RpcFailure("ExecSync", r.error());
  return std::pair<int, std::string>(r->exit_code(), r->stdout() + r->stderr());
}

void RemoveSandbox(boost::asio::io_context& io, CriClient& client, const std::string& id) {
  v1::StopPodSandboxRequest stop;
  stop.set_pod_sandbox_id(id);
  (void)Await<v1::StopPodSandboxResponse>(
      io, [&](auto done) { client.StopPodSandbox(stop, 30s, std::move(done)); });
  v1::RemovePodSandboxRequest remove;
  remove.set_pod_sandbox_id(id);
  (void)Await<v1::RemovePodSandboxResponse>(
      io, [&](auto done) { client.RemovePodSandbox(remove, 30s, std::move(done)); });
}

}  // namespace probelet::runtime::cri::testing
