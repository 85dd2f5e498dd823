# shellcheck shell=bash disable=SC2034  # sourced: PC_* are for the caller
# A private containerd for scripts (the demo, the benches), as /work/shared/cri.md §2 and §10 say
# and tests/runtime/cri/testing/containerd_fixture.cc does in C++: its own config, socket, state
# and runc root under one directory, in a mount namespace of its own with DIR/run bind-mounted on
# /run (containerd 1.6 hard-codes /run/containerd/... for shim sockets), and the test images
# (localhost/pause:1, localhost/probelet-test:1) built from busybox-static and imported.
#
# Sourced, not run (bash):
#   source tools/private_containerd.sh
#   pc_start DIR CGROUP_ROOT     start it in DIR (created; empty or new); CGROUP_ROOT is what
#                                `probelet run --cgroup-root` gets, so pc_stop can remove it
#   ... probelet run --container-runtime-endpoint "$PC_ENDPOINT" --cgroup-root "$PC_CGROUP_ROOT"
#   pc_containers                containerd's containers in k8s.io (CRI sandboxes + containers)
#   pc_shim_pids                 the PIDs of this containerd's shims
#   pc_stop                      tear everything down; prints what was left behind (each such
#                                thing is cleaned up too) and returns 1 if anything was
#
# Every wait is bounded. pc_stop is idempotent and meant for an EXIT trap. Needs root,
# containerd, ctr, runc, unshare, python3 and /bin/busybox (`make deps`).

PC_DIR=
PC_PID=
PC_SOCK=
PC_ENDPOINT=
PC_CGROUP_ROOT=
PC_REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

pc_missing_tools() {
  local t missing=
  for t in containerd ctr runc unshare python3; do
    PATH=$PATH:/usr/sbin:/sbin command -v "$t" >/dev/null 2>&1 || missing+=" $t"
  done
  [[ -x /bin/busybox ]] || missing+=" /bin/busybox"
  echo "${missing# }"
}

pc_ctr() { timeout 60 ctr -a "$PC_SOCK" -n k8s.io "$@"; }

pc_start() {  # DIR CGROUP_ROOT
  PC_DIR=$(realpath -m "$1")
  PC_CGROUP_ROOT=$2
  PC_SOCK=$PC_DIR/containerd.sock
  PC_ENDPOINT=unix://$PC_SOCK
  local missing
  missing=$(pc_missing_tools)
  if [[ -n $missing ]]; then
    echo "private containerd: missing $missing (\`make deps\` installs them)" >&2
    return 1
  fi
  mkdir -p "$PC_DIR/run" "$PC_DIR/cni/net.d" "$PC_DIR/images"
  # All other keys default. The comments say why each differs from the default.
  cat > "$PC_DIR/config.toml" <<EOF
version = 2
root = "$PC_DIR/root"
state = "$PC_DIR/state"
# Else the opt plugin creates /opt/containerd/{bin,lib} on the host.
disabled_plugins = ["io.containerd.internal.v1.opt"]
[grpc]
  address = "$PC_SOCK"
[ttrpc]
  address = "$PC_SOCK.ttrpc"
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
        Root = "$PC_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$PC_DIR/cni/net.d"
EOF
  # unshare execs sh, which execs containerd: $! is containerd's PID. busybox's mount, not
  # util-linux's (which leaves an empty /run/mount on the host).
  unshare --mount --propagation private -- /bin/sh -c \
    "/bin/busybox mount -o bind '$PC_DIR/run' /run && exec containerd --config '$PC_DIR/config.toml'" \
    >>"$PC_DIR/containerd.log" 2>&1 &
  PC_PID=$!
  local deadline=$((SECONDS + 20))
  until [[ -S $PC_SOCK ]] && timeout 5 ctr -a "$PC_SOCK" version >/dev/null 2>&1; do
    if ! kill -0 "$PC_PID" 2>/dev/null; then
      echo "private containerd: exited at start; its log:" >&2
      tail -20 "$PC_DIR/containerd.log" >&2
      return 1
    fi
    if ((SECONDS > deadline)); then
      echo "private containerd: no answer on $PC_SOCK within 20 s" >&2
      return 1
    fi
    sleep 0.05
  done
  timeout 60 python3 "$PC_REPO/tools/build_oci_image.py" "$PC_DIR/images" >>"$PC_DIR/tools.log" 2>&1 ||
    { echo "private containerd: build_oci_image.py failed: $(tail -5 "$PC_DIR/tools.log")" >&2; return 1; }
  local image
  for image in pause probelet-test; do
    pc_ctr images import "$PC_DIR/images/$image.tar" >>"$PC_DIR/tools.log" 2>&1 ||
      { echo "private containerd: import $image failed: $(tail -5 "$PC_DIR/tools.log")" >&2; return 1; }
  done
}

pc_containers() { pc_ctr containers ls -q 2>/dev/null; }

# PIDs of the processes whose command line mentions PC_DIR/ (the shims: -address DIR/containerd.sock).
pc_pids_mentioning() {
  local f pid
  for f in /proc/[0-9]*/cmdline; do
    pid=${f#/proc/}
    pid=${pid%/cmdline}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    { tr '\0' ' ' <"$f"; } 2>/dev/null | grep -qF -- "$PC_DIR/" && echo "$pid"
  done
}

pc_shim_pids() {
  local pid
  for pid in $(pc_pids_mentioning); do
    grep -q '^containerd-shim' "/proc/$pid/comm" 2>/dev/null && echo "$pid"
  done
}

pc_wait_gone() {  # PID SECONDS
  local deadline=$((SECONDS + $2))
  while kill -0 "$1" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
  ! kill -0 "$1" 2>/dev/null
}

# Cgroup directories below CGROUP_ROOT in every hierarchy (v1 controllers and v2), deepest first.
pc_cgroup_dirs() {
  local mnt
  [[ -n $PC_CGROUP_ROOT ]] || return 0
  awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts | sort -u |
    while read -r mnt; do
      [[ -d $mnt$PC_CGROUP_ROOT ]] && find "$mnt$PC_CGROUP_ROOT" -type d
    done | awk -F/ '{print NF "\t" $0}' | sort -rn | cut -f2-
}

pc_stop() {
  [[ -n $PC_DIR ]] || return 0
  local left=0 id pid cg i
  # 1. What a well-behaved client (probelet's shutdown) should have removed already. ctr cannot
  #    speak CRI, so this is the blunt version: kill the tasks, delete the containers.
  if [[ -n $PC_PID ]] && kill -0 "$PC_PID" 2>/dev/null; then
    for id in $(pc_containers); do
      echo "left behind: containerd container $id" >&2
      left=1
      pc_ctr tasks kill -s SIGKILL "$id" >/dev/null 2>&1
      pc_ctr tasks delete -f "$id" >/dev/null 2>&1
      pc_ctr containers rm "$id" >/dev/null 2>&1
    done
  fi
  # 2. containerd itself (our child).
  if [[ -n $PC_PID ]]; then
    kill -TERM "$PC_PID" 2>/dev/null
    pc_wait_gone "$PC_PID" 5 || kill -KILL "$PC_PID" 2>/dev/null
    wait "$PC_PID" 2>/dev/null
    PC_PID=
  fi
  # 3. Shims are daemonized (not our children): they outlive containerd. By PID, never by name.
  for pid in $(pc_pids_mentioning); do
    echo "left behind: process $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
    left=1
    kill -KILL "$pid" 2>/dev/null
    pc_wait_gone "$pid" 5
  done
  # 4. Containers' processes, found through their cgroups; then the cgroup parents, which
  #    nobody else removes (cri.md §8.4). runc removes each container's own cgroup.
  for cg in $(pc_cgroup_dirs); do
    for pid in $(cat "$cg/cgroup.procs" 2>/dev/null); do
      echo "left behind: process $pid in $cg" >&2
      left=1
      kill -KILL "$pid" 2>/dev/null
      pc_wait_gone "$pid" 5
    done
    for ((i = 0; i < 100; i++)); do
      rmdir "$cg" 2>/dev/null || [[ ! -d $cg ]] && break
      sleep 0.01  # tasks still exiting
    done
    [[ -d $cg ]] && { echo "left behind: cgroup $cg" >&2; left=1; }
  done
  # 5. Mounts: containerd's are in its private mount namespace, gone with it.
  if grep -qF -- "$PC_DIR/" /proc/self/mountinfo; then
    echo "left behind: mounts under $PC_DIR:" >&2
    grep -F -- "$PC_DIR/" /proc/self/mountinfo >&2
    left=1
  else
    rm -rf "$PC_DIR"  # never while something is mounted below it
  fi
  PC_DIR=
  return "$left"
}
