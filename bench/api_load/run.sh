#!/usr/bin/env bash
# Runs api_load against Debian nginx (the probe target) on a loopback port, twice: with no API
# clients and with 100 (or the --clients given), so the two lateness lines can be compared.
#   bench/api_load/run.sh [BUILD_DIR] [api_load args...]
# e.g. run.sh build --workers 1000 --duration 5
# Keep runs short (<= 10 s) while others share the machine.
set -euo pipefail
build=${1:-build}
shift || true
bin="$build/bench/api_load/api_load"
[ -x "$bin" ] || { echo "run.sh: $bin not built (ninja -C $build api_load)" >&2; exit 2; }
NAME=api_load
source "$(dirname "$0")/../start_nginx.sh"

ulimit -n 20000 2>/dev/null || true
"$bin" --port "$port" --clients 0 "$@"
"$bin" --port "$port" --clients 100 "$@"
