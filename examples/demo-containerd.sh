#!/usr/bin/env bash
# `make demo-containerd`: the demo of examples/demo.sh with the pod in real containers. Starts a
# private containerd in a temporary directory (own config, socket, state, mount namespace:
# tools/private_containerd.sh, as /work/shared/cri.md §2 says), builds and imports the busybox
# images (tools/build_oci_image.py), and runs examples/demo/pod-containerd.yaml with
# `probelet run --container-runtime-endpoint`: the startup probe holds the others back, the pod
# turns Ready, readiness goes away and comes back without a restart, a liveness failure (an exec
# probe through CRI ExecSync) kills and restarts the container, a crashing container goes into
# CrashLoopBackOff. Then probelet's shutdown removes its sandboxes, and everything else goes:
# containerd, its shims, the cgroups, the directory. Exits 0 when everything happened as
# expected and nothing was left behind. Bounded: about 45 s, at most a few minutes.
#
#   examples/demo-containerd.sh build/probelet        (as root)
set -euo pipefail

probelet=${1:?usage: examples/demo-containerd.sh PATH_TO_PROBELET}
probelet=$(realpath "$probelet")
repo=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/private_containerd.sh
source "$repo/tools/private_containerd.sh"
if (($(id -u) != 0)); then echo "demo-containerd: needs root (containerd, runc, cgroups)" >&2; exit 1; fi

tmp=$(mktemp -d /tmp/probelet-demo-containerd.XXXXXX)
switches=$tmp/switches
mkdir -p "$switches"
cgroup_root=/probelet-demo-$$
probelet_pid=
cleanup() {
  local rc=$?
  trap '' INT TERM  # a second signal must not cut the teardown short
  if [[ -n $probelet_pid ]] && kill -0 "$probelet_pid" 2>/dev/null; then
    kill -TERM "$probelet_pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$probelet_pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$probelet_pid" 2>/dev/null || true
    wait "$probelet_pid" 2>/dev/null || true
  fi
  pc_stop || rc=1
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {  # a port nothing answers on
  for p in $(seq "$1" "$(($1 + 200))"); do
    if ! "$probelet" probe tcp "127.0.0.1:$p" --timeout 200ms >/dev/null 2>&1; then echo "$p"; return; fi
  done
  return 1
}
app_port=$(free_port 18080)
api_port=$(free_port 10255)
api=127.0.0.1:$api_port

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "a private containerd in $tmp/containerd (its own mount namespace; /run is $tmp/containerd/run there)"
started=$SECONDS
pc_start "$tmp/containerd" "$cgroup_root"
echo "   $(ctr -a "$PC_SOCK" version 2>/dev/null | awk '/Server:/{s=1} s && /Version:/{print "containerd " $2; exit}'), pid $PC_PID, socket $PC_SOCK"
echo "   images built from /bin/busybox and imported in $((SECONDS - started)) s:"
pc_ctr images ls 2>/dev/null | awk 'NR == 1 || /^localhost/ {printf "     %-28s %s\n", $1, $3}'

# The manifest as shipped, with this run's switch directory and port.
sed -e "s#/tmp/probelet-demo#$switches#" -e "s#18080#$app_port#g" \
    "$repo/examples/demo/pod-containerd.yaml" > "$tmp/pod.yaml"

pods_json() { curl -sf "http://$api/pods" || true; }
# Small JSON helpers (python3 is on every Debian; jq is not a dependency).
cat > "$tmp/show.py" <<'PY'
import json, sys
what = sys.argv[1]
try:
    data = json.load(sys.stdin)
except Exception:
    data = {}
if what == "events":
    for e in data.get("items", []) if isinstance(data, dict) else data:
        n = e.get("count", 1)
        print("  %-10s %s%s" % (e["reason"], e["message"], "  (x%d)" % n if n > 1 else ""))
    sys.exit()
pods = data.get("items", [])
if what == "table":
    print("NAME     READY  STATUS            RESTARTS")
    for p in pods:
        st = p.get("status", {})
        cs = st.get("containerStatuses", [])
        ready = sum(1 for c in cs if c.get("ready"))
        restarts = sum(c.get("restartCount", 0) for c in cs)
        status = next((c["state"]["waiting"].get("reason") for c in cs
                       if c.get("state", {}).get("waiting", {}).get("reason")), st.get("phase", ""))
        print("%-8s %d/%d    %-17s %d" % (p["metadata"]["name"], ready, len(cs), status, restarts))
    sys.exit()
st = pods[0].get("status", {}) if pods else {}
cs = st.get("containerStatuses", [])
if what == "ready":
    print(next((c["status"] for c in st.get("conditions", []) if c["type"] == "Ready"), ""))
elif what == "restarts":
    print(sum(c.get("restartCount", 0) for c in cs))
elif what == "waiting":
    print(cs[0].get("state", {}).get("waiting", {}).get("reason", "") if cs else "")
elif what == "ids":
    for c in cs:
        print("   %s  restarts=%d\n     containerID: %s\n     image:       %s\n     imageID:     %s"
              % (c["name"], c.get("restartCount", 0), c.get("containerID", ""), c.get("image", ""),
                 c.get("imageID", "")))
        last = c.get("lastState", {}).get("terminated")
        if last:
            print("     lastState:   terminated, exit %s (%s), %s"
                  % (last.get("exitCode"), last.get("reason", ""), last.get("containerID", "")))
elif what == "containerid":
    print(cs[0].get("containerID", "") if cs else "")
PY
field() { pods_json | python3 "$tmp/show.py" "$1"; }
wait_for() {  # FIELD VALUE SECONDS
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    [[ $(field "$1") == "$2" ]] && return 0
    sleep 0.2
  done
  echo "demo-containerd: $1 did not become $2 within $3 s" >&2
  return 1
}
show_pods() {
  printf '$ probelet get pods --api %s\n' "$api"
  "$probelet" get pods --api "$api" 2>/dev/null || pods_json | python3 "$tmp/show.py" table
}
show_ids() {
  printf '$ curl -s http://%s/pods   (containerStatuses: IDs from containerd)\n' "$api"
  pods_json | python3 "$tmp/show.py" ids
}
show_runtime() {  # what containerd itself holds (ctr: sandboxes and containers are its containers)
  printf '$ ctr -n k8s.io containers ls   (the pause sandbox and the web container)\n'
  pc_ctr containers ls 2>/dev/null | sed 's/^/   /'
}

say "probelet run $tmp/pod.yaml --container-runtime-endpoint $PC_ENDPOINT --cgroup-root $cgroup_root"
cat <<MSG
   busybox httpd in localhost/probelet-test:1 serves 127.0.0.1:$app_port (node network); the
   switch directory $switches is the container's /switches (hostPath). Watch from another terminal:
     curl -s http://$api/pods          the v1 PodList, with containerd:// container IDs
     $probelet get pods --api $api
MSG
"$probelet" run "$tmp/pod.yaml" --state-dir "$tmp/state" --api "$api" \
  --container-runtime-endpoint "$PC_ENDPOINT" --cgroup-root "$cgroup_root" &
probelet_pid=$!

say "1. the startup probe holds liveness and readiness back while httpd starts (3 s)"
wait_for ready True 60
show_pods
show_ids
show_runtime
first_id=$(field containerid)

say "2. readiness: touch $switches/unready -> the CGI answers 503 -> Ready=False, and no restart"
touch "$switches/unready"
wait_for ready False 10
show_pods
rm -f "$switches/unready"
wait_for ready True 10
echo "   removed it: Ready=True again"

say "3. liveness: touch $switches/fail -> two exec probe failures (CRI ExecSync) 2 s apart -> Killing, then a new container"
touch "$switches/fail"
wait_for restarts 1 30
rm -f "$switches/fail"
wait_for ready True 40
show_pods
show_ids
second_id=$(field containerid)
if [[ $first_id == "$second_id" || $second_id != containerd://* ]]; then
  echo "demo-containerd: expected a new containerd:// container, got $first_id then $second_id" >&2
  exit 1
fi
echo "   a new container: ${first_id:0:25}... -> ${second_id:0:25}..."
printf '$ curl -s http://%s/events   (reason: message)\n' "$api"
curl -sf "http://$api/events" | python3 "$tmp/show.py" events

say "4. crash: touch $switches/crash -> PID 1 exits 1; the first restart is immediate, then CrashLoopBackOff (10 s, 20 s, ... 5 min)"
touch "$switches/crash"
wait_for waiting CrashLoopBackOff 30
show_pods
rm -f "$switches/crash"
echo "   removed it: the next restart comes when the 10 s back-off has passed"
wait_for ready True 60
show_pods

say "5. SIGTERM to probelet: each container gets its grace period, then probelet removes its sandboxes"
kill -TERM "$probelet_pid"
for _ in $(seq 150); do kill -0 "$probelet_pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$probelet_pid" 2>/dev/null; then
  echo "demo-containerd: probelet did not stop in 30 s" >&2
  kill -KILL "$probelet_pid"
fi
rc=0
wait "$probelet_pid" || rc=$?
probelet_pid=
if ((rc != 0)); then echo "demo-containerd: probelet exited with $rc" >&2; exit 1; fi
left=$(pc_containers)
if [[ -n $left ]]; then
  echo "demo-containerd: probelet's shutdown left containers in containerd: $left" >&2
  exit 1
fi
echo "   probelet exited 0; containerd holds no sandbox and no container"

say "6. teardown: containerd, its shims, cgroups $cgroup_root, $tmp"
pc_stop || { echo "demo-containerd: something was left behind (cleaned up now)" >&2; exit 1; }
rm -rf "$tmp"
for mnt in $(awk '$3 == "cgroup" || $3 == "cgroup2" {print $2}' /proc/self/mounts | sort -u); do
  [[ -e $mnt$cgroup_root ]] && { echo "demo-containerd: cgroup $mnt$cgroup_root left" >&2; exit 1; }
done
if grep -qF "$tmp" /proc/self/mountinfo || ps -eo args | grep -v grep | grep -qF "$tmp"; then
  echo "demo-containerd: a mount or process under $tmp is left" >&2
  exit 1
fi
say "demo done: probelet exited 0, no process, mount, cgroup or file left"
