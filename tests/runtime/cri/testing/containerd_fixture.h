// PrivateContainerd: a containerd of the test's own, per /work/shared/cri.md §2 — own config,
// socket, root and state under a fresh /tmp directory, in a private mount namespace with that
// directory's run/ bind-mounted on /run (containerd 1.6 hard-codes /run paths for shim sockets),
// `restrict_oom_score_adj` (root here cannot lower oom_score_adj), the `opt` plugin disabled (it
// would create /opt/containerd on the host), no CNI config (hostNetwork pods only) unless
// ContainerdOptions::own_network asks for one (below). It imports
// the images tools/build_oci_image.py builds from busybox-static: kPauseImage (the sandbox image,
// never pulled) and kTestImage (sh, httpd, nc, wget, sleep, true, cat, ...).
//
// Teardown (cri.md §10) leaves nothing: every sandbox stopped and removed through CRI,
// containerd killed and reaped, leftover shims killed by PID (found by their -address), the
// processes of leftover containers killed through their cgroups, the cgroup parents removed
// (deepest first, in every hierarchy), no mount of the directory left, the directory removed.
// Whatever it had to clean up by force, or could not, is returned as a leftover: a test fails on
// any (ContainerdTest does that).
//
// own_network (cri.md §2, §6): containerd runs in a network namespace of its own. A holder
// process (a sleeper with lo up) holds that namespace and containerd's private mount namespace
// (with the /run bind): containerd is started, and Relaunch() starts it again, inside both
// (`nsenter --net --mount`), so a killed containerd comes back to the same bridge and addresses
// and to the mounts it made, the pods' network namespaces among them (a fresh mount namespace
// would lose those: PodSandboxStatus then reports no IP). The CNI config is one bridge +
// host-local conflist: network and bridge named after the instance, subnet 10.88.<x>.0/24 with
// x derived from the instance (instances are in different namespaces anyway; distinct subnets
// keep failure messages unambiguous), IPAM state under the directory. libcni's cache
// (/var/lib/cni/results, hard-coded, cri.md §8.2) is kept off the host: the mount namespace has
// the directory's var-lib/ bound on /var/lib; teardown reports a cache entry still there once
// the sandboxes are removed. Both namespaces, and the bridge, go with the holder, containerd and
// the last shim (and with any test thread that entered the network namespace: leave it first).
//
// Containers must use a cgroup parent from CgroupParent(): it is how teardown finds and removes
// them, and it keeps parallel test processes (ctest runs each test in its own) apart.
//
// Thread: the test's main thread; blocking (it is test code). Ownership: the instance owns the
// containerd process, the directory and everything under the cgroup root it hands out.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/expected.h"

namespace probelet::runtime::cri::testing {

struct ContainerdOptions {
  bool own_network = false;  // a network namespace of its own with a CNI bridge (file comment)
};

class PrivateContainerd {
 public:
  static constexpr const char* kPauseImage = "localhost/pause:1";
  static constexpr const char* kTestImage = "localhost/probelet-test:1";

  // What is missing to run containerd here ("" when nothing is): containerd, ctr, runc, unshare,
  // busybox, python3.
  static std::string MissingTools();
  // What own_network needs besides ("" when nothing is missing): nsenter and the bridge,
  // host-local and loopback plugins in /usr/lib/cni (containernetworking-plugins).
  static std::string MissingCniTools();
  // Starts containerd, waits until it answers Version, imports both images. An Error carries
  // the tail of containerd's log; whatever was started is torn down first.
  static base::Expected<std::unique_ptr<PrivateContainerd>> Start(ContainerdOptions options = {});

  PrivateContainerd(const PrivateContainerd&) = delete;
  PrivateContainerd& operator=(const PrivateContainerd&) = delete;
  // Teardown() unless already done (leftovers then go to stderr).
  ~PrivateContainerd();

  // Removes everything (see the file comment); returns what was left behind or had to be
  // removed by force (empty = clean). Idempotent.
  std::vector<std::string> Teardown();

  // Kills containerd (SIGKILL) and reaps it, as a crash would: shims, sandboxes and containers
  // keep running (their mount namespace lives on in the shims, cri.md §2).
  void Kill();
  // Starts containerd again after Kill(): same config, a fresh private mount namespace with the
  // same run/ bind on /run (so it finds the shims' sockets and reconnects), the same network
  // namespace with own_network; waits until it answers Version.
  base::Status Relaunch();

  const std::string& dir() const { return dir_; }
  std::string endpoint() const { return "unix://" + dir_ + "/containerd.sock"; }
  pid_t pid() const;
  // Time from Start() to containerd answering Version, and to both images imported (ready).
  std::chrono::duration<double> answered_after() const { return answered_after_; }
  std::chrono::duration<double> ready_after() const { return ready_after_; }
  // "/<this instance's cgroup root>/<leaf>": an absolute cgroup parent for a sandbox.
  std::string CgroupParent(const std::string& leaf) const { return cgroup_root_ + "/" + leaf; }
  // With own_network: the network namespace's file ("/proc/<holder pid>/ns/net"; setns(2) it
  // to reach the pods' addresses and the loopback containerd's pods share), the CNI network's
  // name (as in the conflist), its bridge and its subnet ("10.88.<x>.0/24"). "" without.
  std::string network_namespace() const;
  const std::string& cni_network() const { return cni_network_; }
  const std::string& bridge() const { return bridge_; }
  const std::string& pod_subnet() const { return pod_subnet_; }
  // containerd's log, for failure messages.
  std::string LogTail(std::size_t bytes = 4000) const;

 private:
  PrivateContainerd();
  struct Process;
  base::Status StartNamespaceHolder();
  void WriteCniConfig();
  base::Status Launch();
  base::Status WaitReady();
  base::Status ImportImages();
  void RemoveSandboxes(std::vector<std::string>& leftovers);

  std::string dir_;
  std::string cgroup_root_;  // "/probelet-cri-<dir suffix>"
  std::unique_ptr<Process> containerd_;
  std::unique_ptr<Process> namespace_holder_;  // own_network only: holds the netns and mount ns
  std::string cni_network_, bridge_, pod_subnet_;
  std::chrono::duration<double> answered_after_{}, ready_after_{};
  bool torn_down_ = false;
};

// A test fixture with one private containerd per test suite (so per test process under ctest).
// Skips when containerd is not installed (`make deps` installs it); fails on a containerd that
// will not start and on anything teardown had to clean up.
class ContainerdTest : public ::testing::Test {
 public:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

 protected:
  void SetUp() override;
  static PrivateContainerd& containerd() { return *containerd_; }

 private:
  static std::unique_ptr<PrivateContainerd> containerd_;
  static std::string skip_reason_, start_error_;
};

}  // namespace probelet::runtime::cri::testing
