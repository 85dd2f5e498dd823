#include "runtime/cri/testing/containerd_fixture.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>

#include "base/process.h"
#include "base/unique_fd.h"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "runtime/cgroup.h"
#include "runtime/cri/api.grpc.pb.h"
#include "runtime/testing/process_util.h"

namespace probelet::runtime::cri::testing {
namespace {

namespace fs = std::filesystem;
namespace v1 = ::runtime::v1;
using Clock = std::chrono::steady_clock;
using std::chrono::seconds;

std::string FindInPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = dir + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  for (const char* dir : {"/usr/sbin", "/sbin"}) {  // runc is in /usr/sbin
    std::string candidate = std::string(dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

std::string Tail(const std::string& text, std::size_t bytes) {
  return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

// Runs argv to its end (output appended to `log`), within `timeout`.
base::Status RunCommand(const std::vector<std::string>& argv, const std::string& log,
                        Clock::duration timeout) {
  base::UniqueFd out(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  base::SpawnOptions options;
  options.argv = argv;
  options.stdout_fd = out.get();
  options.stderr_fd = out.get();
  auto child = base::ChildProcess::Spawn(options);
  if (!child) return child.error();
  auto deadline = Clock::now() + timeout;
  std::optional<int> status;
  while (!(status = child->TryReap()) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::string what = argv[0] + (argv.size() > 1 ? " " + argv[1] : "");
  if (!status) {
    child->KillAndReap();
    return base::Error{what +
                       ": no end within the timeout; log: " + Tail(ReadSmallFile(log), 2000)};
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return base::Error{what + " failed (wait status " + std::to_string(*status) +
                       "); log: " + Tail(ReadSmallFile(log), 2000)};
  }
  return {};
}

// Every process (other than this one) whose command line mentions `needle`.
std::vector<std::pair<pid_t, std::string>> ProcessesMentioning(const std::string& needle) {
  std::vector<std::pair<pid_t, std::string>> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* e = ::readdir(proc)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    pid_t pid = std::atoi(e->d_name);
    if (pid == ::getpid()) continue;
    std::string cmdline = ReadSmallFile(std::string("/proc/") + e->d_name + "/cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) != std::string::npos) found.emplace_back(pid, cmdline);
  }
  ::closedir(proc);
  return found;
}

// The mount points of every cgroup hierarchy (v1 controllers, and the v2 one, unified or not).
std::vector<std::string> CgroupHierarchies() {
  std::vector<std::string> out;
  std::ifstream mounts("/proc/self/mounts");
  for (std::string line; std::getline(mounts, line);) {
    std::istringstream fields(line);
    std::string source, target, type;
    fields >> source >> target >> type;
    if (type == "cgroup" || type == "cgroup2") out.push_back(target);
  }
  return out;
}

// Cgroup directories under `root`, deepest first.
std::vector<std::string> CgroupsDeepestFirst(const std::string& root) {
  std::vector<std::string> dirs;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return dirs;
  dirs.push_back(root);
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_directory(ec) && !it->is_symlink(ec)) dirs.push_back(it->path());
  }
  std::sort(dirs.begin(), dirs.end(), [](const std::string& a, const std::string& b) {
    return std::count(a.begin(), a.end(), '/') > std::count(b.begin(), b.end(), '/');
  });
  return dirs;
}

const char* kConfigTemplate = R"(version = 2
root = "@T@/root"
state = "@T@/state"
# Else the opt plugin creates /opt/containerd/{bin,lib} on the host.
disabled_plugins = ["io.containerd.internal.v1.opt"]
[grpc]
  address = "@T@/containerd.sock"
[ttrpc]
  address = "@T@/containerd.sock.ttrpc"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "localhost/pause:1"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  disable_apparmor = true
  netns_mounts_under_state_dir = true
  # Root here lacks CAP_SYS_RESOURCE: runc cannot lower the sandbox's oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "@T@/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "@T@/cni/net.d"
)";

// The bridge + host-local conflist of cri.md §6 (containerd adds lo itself, with `loopback`).
const char* kCniConfigTemplate = R"({
  "cniVersion": "1.0.0",
  "name": "@NETWORK@",
  "plugins": [{
    "type": "bridge", "bridge": "@BRIDGE@", "isGateway": true, "ipMasq": false,
    "hairpinMode": true,
    "ipam": {"type": "host-local", "ranges": [[{"subnet": "@SUBNET@"}]],
             "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "@T@/cni/ipam"}
  }]
}
)";

std::string Replace(std::string text, const std::string& key, const std::string& value) {
  for (size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value);
  return text;
}

std::string Substitute(const std::string& text, const std::string& dir) {
  return Replace(text, "@T@", dir);
}

std::unique_ptr<v1::RuntimeService::Stub> SyncStub(const std::string& endpoint) {
  return v1::RuntimeService::NewStub(
      grpc::CreateChannel(endpoint, grpc::InsecureChannelCredentials()));
}

void SetTimeout(grpc::ClientContext& context, Clock::duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() + timeout);
}

}  // namespace

struct PrivateContainerd::Process {
  base::ChildProcess child;
};

PrivateContainerd::PrivateContainerd() = default;

PrivateContainerd::~PrivateContainerd() {
  if (torn_down_) return;
  for (const auto& leftover : Teardown()) std::cerr << "containerd fixture: " << leftover << "\n";
}

pid_t PrivateContainerd::pid() const { return containerd_ ? containerd_->child.pid() : -1; }

void PrivateContainerd::Kill() {
  if (!containerd_) return;
  containerd_->child.KillAndReap();
  containerd_.reset();
}

base::Status PrivateContainerd::Relaunch() {
  if (containerd_) return base::Error{"containerd is running"};
  if (auto s = Launch(); !s) return s;
  return WaitReady();
}

std::string PrivateContainerd::network_namespace() const {
  return namespace_holder_ ? "/proc/" + std::to_string(namespace_holder_->child.pid()) + "/ns/net"
                           : "";
}

std::string PrivateContainerd::MissingCniTools() {
  std::string missing = FindInPath("nsenter").empty() ? "nsenter" : "";
  for (const char* plugin : {"bridge", "host-local", "loopback"}) {
    std::string path = std::string("/usr/lib/cni/") + plugin;
    if (::access(path.c_str(), X_OK) != 0) missing += (missing.empty() ? "" : ", ") + path;
  }
  return missing;
}

std::string PrivateContainerd::MissingTools() {
  std::string missing;
  for (const char* tool : {"containerd", "ctr", "runc", "unshare", "python3"}) {
    if (FindInPath(tool).empty()) missing += std::string(missing.empty() ? "" : ", ") + tool;
  }
  if (::access("/bin/busybox", X_OK) != 0)
    missing += (missing.empty() ? "" : ", ") + std::string("/bin/busybox");
  return missing;
}

base::Expected<std::unique_ptr<PrivateContainerd>> PrivateContainerd::Start(
    ContainerdOptions options) {
  auto start = Clock::now();
  std::unique_ptr<PrivateContainerd> c(new PrivateContainerd());
  char tmpl[] = "/tmp/probelet-cri-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return base::Error{"mkdtemp failed", errno};
  c->dir_ = tmpl;
  c->cgroup_root_ = "/" + fs::path(c->dir_).filename().string();
  auto fail = [&c](const base::Error& e) -> base::Expected<std::unique_ptr<PrivateContainerd>> {
    base::Error error{e.message + "\ncontainerd log: " + c->LogTail(), e.sys_errno};
    c->Teardown();
    return error;
  };
  if (options.own_network) {
    if (auto s = c->StartNamespaceHolder(); !s) return fail(s.error());
    c->WriteCniConfig();
  }
  if (auto s = c->Launch(); !s) return fail(s.error());
  if (auto s = c->WaitReady(); !s) return fail(s.error());
  c->answered_after_ = Clock::now() - start;
  if (auto s = c->ImportImages(); !s) return fail(s.error());
  c->ready_after_ = Clock::now() - start;
  return c;
}

base::Status PrivateContainerd::StartNamespaceHolder() {
  for (const char* sub : {"/run", "/var-lib"}) fs::create_directories(dir_ + sub);
  const std::string ready = dir_ + "/netns.ready";
  base::SpawnOptions options;
  // unshare execs sh, which execs sleep: the child's pid is the holder's. It holds the mount
  // namespace too, set up as Launch() sets up containerd's (plus libcni's cache, hard-coded
  // under /var/lib/cni, cri.md §8.2, kept off the host), and says it is ready once lo is up,
  // so nobody enters the namespaces before they exist.
  options.argv = {"unshare",
                  "--net",
                  "--mount",
                  "--propagation",
                  "private",
                  "--",
                  "/bin/sh",
                  "-c",
                  "/bin/busybox mount -o bind '" + dir_ +
                      "/run' /run && /bin/busybox mount -o bind '" + dir_ +
                      "/var-lib' /var/lib && /bin/busybox ip link set lo up && : > '" + ready +
                      "' && exec /bin/busybox sleep 2147483647"};
  base::UniqueFd log(
      ::open((dir_ + "/containerd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  options.stdout_fd = log.get();
  options.stderr_fd = log.get();
  auto child = base::ChildProcess::Spawn(options);
  if (!child) return child.error();
  namespace_holder_ = std::make_unique<Process>(Process{std::move(*child)});
  auto deadline = Clock::now() + seconds(10);
  while (::access(ready.c_str(), F_OK) != 0) {
    if (namespace_holder_->child.HasExited()) return base::Error{"the namespace holder exited"};
    if (Clock::now() > deadline) return base::Error{"the namespace holder not ready in 10 s"};
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return {};
}

void PrivateContainerd::WriteCniConfig() {
  std::string suffix = fs::path(dir_).filename().string();
  suffix = suffix.substr(suffix.rfind('-') + 1);  // mkdtemp's six characters
  uint32_t h = 2166136261u;                       // FNV-1a
  for (unsigned char ch : suffix) h = (h ^ ch) * 16777619u;
  cni_network_ = "probelet-" + suffix;
  bridge_ = "cni-" + suffix;  // interface names: 15 characters at most
  pod_subnet_ = "10.88." + std::to_string(1 + h % 254) + ".0/24";
  fs::create_directories(dir_ + "/cni/net.d");
  std::string conf = Replace(kCniConfigTemplate, "@NETWORK@", cni_network_);
  conf = Replace(Replace(conf, "@BRIDGE@", bridge_), "@SUBNET@", pod_subnet_);
  std::ofstream(dir_ + "/cni/net.d/10-" + cni_network_ + ".conflist") << Substitute(conf, dir_);
}

base::Status PrivateContainerd::Launch() {
  for (const char* sub : {"/run", "/cni/net.d", "/images"}) fs::create_directories(dir_ + sub);
  std::ofstream(dir_ + "/config.toml") << Substitute(kConfigTemplate, dir_);
  base::UniqueFd log(
      ::open((dir_ + "/containerd.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  base::SpawnOptions options;
  // unshare execs sh, which execs containerd: the child's pid is containerd's. busybox's mount,
  // not util-linux's (which leaves an empty /run/mount on the host).
  if (namespace_holder_) {
    // The holder's namespaces: a relaunched containerd finds the mounts it made before, the
    // pods' network namespaces among them (without those, PodSandboxStatus has no IP).
    std::string holder = "/proc/" + std::to_string(namespace_holder_->child.pid()) + "/ns/";
    options.argv = {
        "nsenter",  "--net=" + holder + "net", "--mount=" + holder + "mnt", "--", "containerd",
        "--config", dir_ + "/config.toml"};
  } else {
    options.argv = {"unshare",
                    "--mount",
                    "--propagation",
                    "private",
                    "--",
                    "/bin/sh",
                    "-c",
                    "/bin/busybox mount -o bind '" + dir_ +
                        "/run' /run && exec containerd --config '" + dir_ + "/config.toml'"};
  }
  options.stdout_fd = log.get();
  options.stderr_fd = log.get();
  auto child = base::ChildProcess::Spawn(options);
  if (!child) return child.error();
  containerd_ = std::make_unique<Process>(Process{std::move(*child)});
  return {};
}

base::Status PrivateContainerd::WaitReady() {
  auto deadline = Clock::now() + seconds(20);
  std::string socket = dir_ + "/containerd.sock";
  struct stat st {};
  while (::stat(socket.c_str(), &st) != 0) {
    if (containerd_->child.HasExited()) return base::Error{"containerd exited at start"};
    if (Clock::now() > deadline) return base::Error{"no socket " + socket + " within 20 s"};
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // The socket answers before the CRI plugin has recovered its state: a relaunched containerd
  // says "server is not initialized yet" for a moment (the known flake of
  // ContainerdKilledAndRelaunched), so Version is asked again until it answers or the deadline.
  auto stub = SyncStub(endpoint());
  for (;;) {
    grpc::ClientContext context;
    context.set_wait_for_ready(true);
    SetTimeout(context, deadline - Clock::now());
    v1::VersionResponse version;
    grpc::Status s = stub->Version(&context, v1::VersionRequest(), &version);
    if (s.ok()) return {};
    if (containerd_->child.HasExited()) return base::Error{"containerd exited at start"};
    if (Clock::now() + std::chrono::milliseconds(20) > deadline) {
      return base::Error{"Version: " + s.error_message()};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

base::Status PrivateContainerd::ImportImages() {
  std::string log = dir_ + "/tools.log";
  if (auto s =
          RunCommand({"python3", std::string(PROBELET_SOURCE_DIR) + "/tools/build_oci_image.py",
                      dir_ + "/images"},
                     log, seconds(60));
      !s) {
    return s;
  }
  for (const char* image : {"pause.tar", "probelet-test.tar"}) {
    if (auto s = RunCommand({"ctr", "-a", dir_ + "/containerd.sock", "-n", "k8s.io", "images",
                             "import", dir_ + "/images/" + image},
                            log, seconds(60));
        !s) {
      return s;
    }
  }
  return {};
}

void PrivateContainerd::RemoveSandboxes(std::vector<std::string>& leftovers) {
  auto stub = SyncStub(endpoint());
  grpc::ClientContext list_context;
  SetTimeout(list_context, seconds(10));
  v1::ListPodSandboxResponse sandboxes;
  grpc::Status s = stub->ListPodSandbox(&list_context, v1::ListPodSandboxRequest(), &sandboxes);
  if (!s.ok()) {
    leftovers.push_back("ListPodSandbox at teardown: " + s.error_message());
    return;
  }
  // Tests remove their own sandboxes; one left here is cleaned up, not a failure.
  for (const auto& sandbox : sandboxes.items()) {
    v1::StopPodSandboxRequest stop;
    stop.set_pod_sandbox_id(sandbox.id());
    v1::StopPodSandboxResponse stopped;
    grpc::ClientContext stop_context;
    SetTimeout(stop_context, seconds(30));
    if (auto st = stub->StopPodSandbox(&stop_context, stop, &stopped); !st.ok()) {
      leftovers.push_back("StopPodSandbox " + sandbox.id() + ": " + st.error_message());
    }
    v1::RemovePodSandboxRequest remove;
    remove.set_pod_sandbox_id(sandbox.id());
    v1::RemovePodSandboxResponse removed;
    grpc::ClientContext remove_context;
    SetTimeout(remove_context, seconds(30));
    if (auto st = stub->RemovePodSandbox(&remove_context, remove, &removed); !st.ok()) {
      leftovers.push_back("RemovePodSandbox " + sandbox.id() + ": " + st.error_message());
    }
  }
}

std::vector<std::string> PrivateContainerd::Teardown() {
  std::vector<std::string> leftovers;
  if (torn_down_) return leftovers;
  torn_down_ = true;

  // 1. Sandboxes (and with them their containers and shims) through CRI, while containerd runs.
  // Their CNI DEL empties libcni's cache (cri.md §8.2).
  if (containerd_ && !containerd_->child.HasExited()) RemoveSandboxes(leftovers);
  std::error_code cache_ec;  // ENOENT: no CNI call was ever made
  for (auto it = fs::directory_iterator(dir_ + "/var-lib/cni/results", cache_ec);
       !cache_ec && it != fs::directory_iterator(); it.increment(cache_ec)) {
    leftovers.push_back("libcni cache entry left: " + it->path().string());
  }

  // 2. containerd itself.
  if (containerd_) {
    containerd_->child.Signal(SIGTERM).ok();
    auto deadline = Clock::now() + seconds(5);
    while (!containerd_->child.HasExited() && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    containerd_->child.KillAndReap();
    containerd_.reset();
  }
  // The network namespace (and its bridge) goes with its last process.
  if (namespace_holder_) {
    namespace_holder_->child.KillAndReap();
    namespace_holder_.reset();
  }

  // 3. Shims (daemonized: not our children) and anything else started with our paths.
  for (const auto& [pid, cmdline] : ProcessesMentioning(dir_ + "/")) {
    leftovers.push_back("process " + std::to_string(pid) + " left running: " + cmdline);
    ::kill(pid, SIGKILL);
    runtime::testing::WaitGone(pid, seconds(5));
  }

  // 4. Containers' processes, found through their cgroups; then the cgroup parents, which
  // nobody else removes (cri.md §8.4).
  for (const auto& hierarchy : CgroupHierarchies()) {
    for (const auto& cgroup : CgroupsDeepestFirst(hierarchy + cgroup_root_)) {
      std::istringstream procs(ReadSmallFile(cgroup + "/cgroup.procs"));
      for (pid_t pid; procs >> pid;) {
        leftovers.push_back("process " + std::to_string(pid) + " left in " + cgroup);
        ::kill(pid, SIGKILL);
        runtime::testing::WaitGone(pid, seconds(5));
      }
      bool removed = false;
      for (int i = 0; i < 100 && !(removed = ::rmdir(cgroup.c_str()) == 0 || errno == ENOENT);
           ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // exiting tasks
      }
      if (!removed) leftovers.push_back("cgroup not removable: " + cgroup);
    }
  }

  // 5. Mounts: containerd's live in its private mount namespace, which is gone with it.
  bool mounted = false;
  std::ifstream mountinfo("/proc/self/mountinfo");
  for (std::string line; std::getline(mountinfo, line);) {
    if (line.find(dir_ + "/") == std::string::npos) continue;
    leftovers.push_back("mount left: " + line);
    mounted = true;
  }

  // 6. The directory (not while something is mounted below it: that would empty the mount).
  if (!mounted && !dir_.empty()) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) leftovers.push_back("cannot remove " + dir_ + ": " + ec.message());
  }
  return leftovers;
}

std::string PrivateContainerd::LogTail(std::size_t bytes) const {
  return Tail(ReadSmallFile(dir_ + "/containerd.log"), bytes);
}

std::unique_ptr<PrivateContainerd> ContainerdTest::containerd_;
std::string ContainerdTest::skip_reason_;
std::string ContainerdTest::start_error_;

void ContainerdTest::SetUpTestSuite() {
  skip_reason_ = PrivateContainerd::MissingTools();
  if (!skip_reason_.empty()) return;
  auto started = PrivateContainerd::Start();
  if (!started) {
    start_error_ = started.error().message;
    return;
  }
  containerd_ = std::move(*started);
  std::cerr << "private containerd " << containerd_->dir() << ": answered after "
            << containerd_->answered_after().count() << " s, images imported after "
            << containerd_->ready_after().count() << " s\n";
}

void ContainerdTest::TearDownTestSuite() {
  if (!containerd_) return;
  for (const auto& leftover : containerd_->Teardown()) ADD_FAILURE() << "teardown: " << leftover;
  containerd_.reset();
}

void ContainerdTest::SetUp() {
  if (!skip_reason_.empty()) {
    GTEST_SKIP() << "containerd is not installed (`make deps` installs it): missing "
                 << skip_reason_;
  }
  ASSERT_TRUE(start_error_.empty()) << "private containerd did not start: " << start_error_;
  ASSERT_TRUE(containerd_ != nullptr);
}

}  // namespace probelet::runtime::cri::testing
