#!/usr/bin/env bash
# CRI (containerd) vs the process runtime, through `probelet run` (bench.py says what each
# measures): a liveness failure to the new container Running (N=10 pods, one restart each), the
# start of 1, 10 and 50 pods to all Running and Ready, and the RSS/PSS of containerd plus its
# shims at each count. Starts a private containerd (tools/private_containerd.sh: own config,
# socket, state, mount namespace, cgroup root) and removes everything at the end; exits 1 if
# probelet's shutdown left anything in containerd or anything was left behind.
#
#   bench/containerd/run.sh [BUILD_DIR] [restart|pods|all]      (as root; default build all)
#
# Environment: REPS (restart pods per runtime, default 10), PODS (pod counts, default "1 10 50").
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
what=${2:-all}
reps=${REPS:-10}
counts=${PODS:-1 10 50}
[[ -x $build/probelet ]] || cmake --build "$build" --target probelet
probelet=$(realpath "$build/probelet")
# shellcheck source=tools/private_containerd.sh
source tools/private_containerd.sh

tmp=$(mktemp -d /tmp/probelet-bench-cri.XXXXXX)
cleanup() {
  local rc=$?
  trap '' INT TERM  # a second signal must not cut the teardown short
  pc_stop || rc=1
  rm -rf "$tmp"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pc_start "$tmp/containerd" "/probelet-bench-$$"
echo "# $(date -u +%FT%TZ) commit $(git rev-parse --short HEAD 2>/dev/null) $(nproc) cores," \
  "load $(cut -d' ' -f1-3 /proc/loadavg), containerd pid $PC_PID"
echo "# containerd idle (images imported): $(awk '/^(Rss|Pss):/ {printf "%s %d kB ", $1, $2}' \
  "/proc/$PC_PID/smaps_rollup")"

run=0
bench() {  # RUNTIME ARGS... (a fresh directory each run; CRI runs must leave nothing in containerd)
  local runtime=$1
  shift
  run=$((run + 1))
  local cri=()
  [[ $runtime == cri ]] && cri=(--endpoint "$PC_ENDPOINT" --cgroup-root "$PC_CGROUP_ROOT"
    --containerd-pid "$PC_PID" --containerd-dir "$PC_DIR")
  python3 bench/containerd/bench.py "$@" --probelet "$probelet" --dir "$tmp/run$run" "${cri[@]}" |
    sed "s/^/$runtime /"
  if [[ $runtime == cri && -n $(pc_containers) ]]; then
    echo "bench: probelet's shutdown left containers in containerd" >&2
    exit 1
  fi
}

if [[ $what == restart || $what == all ]]; then
  echo "# liveness failure -> new container Running, $reps pods (one restart each)"
  bench cri restart --n "$reps"
  bench process restart --n "$reps"
fi
if [[ $what == pods || $what == all ]]; then
  for n in $counts; do
    echo "# start of $n pods (busybox httpd, HTTP readiness probe)"
    bench cri pods --n "$n"
  done
  echo "# start of ${counts##* } pods on the process runtime"
  bench process pods --n "${counts##* }"
fi
