#!/usr/bin/env bash
# The dashboard with many pods: starts `probelet run` on N pods (default 1,000; each a `sleep`
# with a TCP readiness probe every 10 s against one local listener) and times, in Debian's
# headless Chromium (tests/integration/browser, installed by `make deps`), the page's load until
# its table counts all N pods, and a keystroke of the name filter. Prints the checker's JSON.
#   bench/dashboard_load/run.sh [BUILD_DIR] [PODS]
set -euo pipefail
build=${1:-build}
pods=${2:-1000}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$build/probelet"
[ -x "$bin" ] || { echo "run.sh: $bin not built" >&2; exit 2; }
dir=$(mktemp -d /tmp/probelet-dashboard-load-XXXXXX)
listener_pid="" probelet_pid=""
cleanup() {
  [ -n "$probelet_pid" ] && kill "$probelet_pid" 2>/dev/null && wait "$probelet_pid" 2>/dev/null || true
  [ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
target=$(free_port)
api=$(free_port)
python3 -m http.server "$target" --bind 127.0.0.1 --directory "$dir" >/dev/null 2>&1 &
listener_pid=$!

for i in $(seq -w 1 "$pods"); do
  cat <<YAML
---
apiVersion: v1
kind: Pod
metadata: {name: app-$i, labels: {app: load}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: local
    command: [sleep, "100000"]
    readinessProbe:
      tcpSocket: {host: 127.0.0.1, port: $target}
      periodSeconds: 10
YAML
done >"$dir/pods.yaml"

ulimit -n 20000 2>/dev/null || true
"$bin" run "$dir/pods.yaml" --api "127.0.0.1:$api" --state-dir "$dir/state" >"$dir/probelet.log" 2>&1 &
probelet_pid=$!
# Until every pod is listed.
for _ in $(seq 1 600); do
  n=$(curl -sf "http://127.0.0.1:$api/api/v1/pods" | grep -o '"kind":"Pod"' | wc -l || true)
  [ "$n" -ge "$pods" ] && break
  sleep 0.2
done
echo "probelet: $n pods listed; list of pods: $(curl -sf -o /dev/null -w '%{size_download} bytes in %{time_total} s' "http://127.0.0.1:$api/api/v1/pods")"
node "$root/tests/integration/browser/dashboard_check.mjs" --url "http://127.0.0.1:$api/" \
  --expect-pods "$pods" --screenshot "$build/dashboard-$pods-pods.png"
