#!/usr/bin/env bash
# Starts Debian's nginx (bench/start_nginx.sh: one worker, no keep-alive, 200 "ok" on every
# path, loopback port PORT) and runs probe_load against it; also kubeprober-go (the kubelet's
# way of probing, ../shared/bench/kubeprober-go) with the same load when its binary exists.
#
#   bench/probe_load/run.sh [BUILD_DIR] [-- probe_load flags...]
#   e.g. bench/probe_load/run.sh build -- --kind http --n 10000 --duration 10s --close reset
#
# Environment: PORT (default 18080), KUBEPROBER (default /tmp/kubeprober-go; empty to skip),
# SETTLE (seconds to wait between runs for TIME_WAIT to drain: default 0).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
shift || true
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--kind http --n 10000 --period 1s --duration 10s)
export PORT=${PORT:-18080}
kubeprober=${KUBEPROBER-/tmp/kubeprober-go}

[ -x "$build/bench/probe_load/probe_load" ] || cmake --build "$build" --target probe_load

NAME=probe_load
source bench/start_nginx.sh
ulimit -n 20000 2>/dev/null || true

echo "# probelet probe_load ${args[*]}"
"$build/bench/probe_load/probe_load" --target "127.0.0.1:$port" "${args[@]}" || true

if [ -n "$kubeprober" ] && [ -x "$kubeprober" ]; then
  # Same load for the Go reference: its flags are a subset (-kind -n -period -duration -path).
  go_args=()
  for ((i = 0; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --kind|--n|--period|--duration|--timeout|--path) go_args+=("-${args[i]#--}" "${args[i+1]}"); i=$((i+1)) ;;
      --close|--https) [ "${args[i]}" = --close ] && i=$((i+1)) ;;
    esac
  done
  sleep "${SETTLE:-0}"
  echo "# kubeprober-go ${go_args[*]}"
  "$kubeprober" -target "127.0.0.1:$port" "${go_args[@]}" || true
  echo "# TIME_WAIT after kubeprober-go: client $(ss -Htan state time-wait "( dport = :$port )" | wc -l)" \
       "server $(ss -Htan state time-wait "( sport = :$port )" | wc -l)"
fi
