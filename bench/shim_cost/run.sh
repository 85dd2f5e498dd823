#!/usr/bin/env bash
# The cost of the per-container supervisor (probelet-shim, issue 12): N pods of one chatty
# container each (a line every 100 ms) under `probelet run`; after a warm-up, each shim's RSS,
# PSS and private memory (/proc/PID/smaps_rollup) and its CPU over a window.
#   bench/shim_cost/run.sh [N=100] [WINDOW_S=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-100}
window=${2:-10}
bin=build/probelet
work=$(mktemp -d /tmp/probelet-shim-bench.XXXXXX)
port=$((20000 + RANDOM % 10000))
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/m"
for i in $(seq 1 "$n"); do
  cat >"$work/m/p$i.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: p$i}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    command: [/bin/sh, -c, "while true; do echo tick; sleep 0.1; done"]
YAML
done
$bin run "$work/m" --state-dir "$work/state" --api 127.0.0.1:$port >"$work/log" 2>&1 &
pid=$!
running() {
  curl -s "127.0.0.1:$port/pods" | python3 -c '
import json, sys
items = json.load(sys.stdin)["items"]
print(sum(1 for p in items for c in p["status"].get("containerStatuses", []) if "running" in c["state"]))'
}
for _ in $(seq 1 300); do [ "$(running 2>/dev/null || echo 0)" = "$n" ] && break; sleep 0.1; done
sleep 2
shims=$(pgrep -f "probelet-shim $work/" || true)
cpu() { local t=0; for s in $shims; do t=$((t + $(awk '{print $14 + $15}' /proc/$s/stat))); done; echo $t; }
c0=$(cpu); sleep "$window"; c1=$(cpu)
python3 - "$n" "$window" "$c0" "$c1" $shims <<'PY'
import os, sys
n, window, c0, c1 = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
pids = sys.argv[5:]
rss = pss = priv = 0
for p in pids:
    for line in open(f"/proc/{p}/smaps_rollup"):
        k, v = line.split(":", 1) if ":" in line else (None, None)
        if k == "Rss": rss += int(v.split()[0])
        if k == "Pss": pss += int(v.split()[0])
        if k in ("Private_Clean", "Private_Dirty"): priv += int(v.split()[0])
hz = os.sysconf("SC_CLK_TCK")
k = len(pids)
print(f"shims: {k} (pods: {n})")
print(f"per shim: RSS {rss / k:.0f} KiB, PSS {pss / k:.0f} KiB, private {priv / k:.0f} KiB")
print(f"per shim CPU: {(c1 - c0) / hz / window / k * 1e6 / 1e3:.3f} ms/s "
      f"(container writes 10 lines/s)")
PY
