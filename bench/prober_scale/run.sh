#!/usr/bin/env bash
# Runs prober_scale against Debian's nginx on a loopback port with a minimal temporary config.
#   bench/prober_scale/run.sh [BUILD_DIR] [prober_scale args...]
# e.g. run.sh build --workers 10000 --period 1 --duration 10
#      run.sh build --idle 100000            (no server needed, started anyway)
# Keep runs short (<= 10 s) while others share the machine.
set -euo pipefail
build=${1:-build}
shift || true
bin="$build/bench/prober_scale/prober_scale"
[ -x "$bin" ] || { echo "run.sh: $bin not built (ninja -C $build prober_scale)" >&2; exit 2; }
NAME=prober_scale
source "$(dirname "$0")/../start_nginx.sh"

ulimit -n 20000 2>/dev/null || true
"$bin" --port "$port" "$@"
