#!/usr/bin/env bash
# probelet's L4 proxy (ServicePortProxy + RandomPicker, one thread) against HAProxy (mode tcp,
# nbthread 1, balance random) in the same run, in front of one nginx (one worker) listening on
# 3 ports: wrk at 50 keep-alive connections, then wrk with `Connection: close` (a new
# connection per request). Prints one line per (proxy, mode): requests/s, p50/p99 latency, and
# the proxy's CPU per request from /proc/PID/stat (utime+stime) around the run.
#
#   bench/service_proxy/run.sh [BUILD_DIR]     (default build-rel; see bench/README.md)
# Environment: DURATION (wrk seconds, default 10), CONNS (default 50), PROXY_CPU (core for the
# proxies, default 1), LOAD_CPU (core for nginx and wrk, default 0), SPLICE=1 adds the splice
# copy mode, ROUNDS (default 1) repeats the whole set.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-rel}
duration=${DURATION:-10}
conns=${CONNS:-50}
proxy_cpu=${PROXY_CPU:-1}
load_cpu=${LOAD_CPU:-0}
bin=$build/bench/service_proxy/service_proxy
[ -x "$bin" ] || cmake --build "$build" --target service_proxy
command -v haproxy >/dev/null || { echo "run.sh: haproxy not installed (apt-get install haproxy)" >&2; exit 2; }
command -v wrk >/dev/null || { echo "run.sh: wrk not installed (apt-get install wrk)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)"

dir=$(mktemp -d /tmp/service_proxy.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# nginx: 3 listen ports, keep-alive on (unlike bench/start_nginx.sh: the keep-alive mode needs it).
b1=$(free_port); b2=$(free_port); b3=$(free_port)
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16000; use epoll; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $dir/body; proxy_temp_path $dir/proxy; fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi; scgi_temp_path $dir/scgi;
  keepalive_timeout 60; keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$b1 backlog=8192; listen 127.0.0.1:$b2 backlog=8192; listen 127.0.0.1:$b3 backlog=8192;
    location / { return 200 "ok\n"; }
  }
}
CONF
taskset -c "$load_cpu" nginx -p "$dir" -c "$dir/nginx.conf" &
pids+=($!)

p_port=$(free_port); h_port=$(free_port); s_port=$(free_port)
taskset -c "$proxy_cpu" "$bin" --listen "127.0.0.1:$p_port" --backend "127.0.0.1:$b1" \
  --backend "127.0.0.1:$b2" --backend "127.0.0.1:$b3" >"$dir/probelet.log" &
p_pid=$!; pids+=($p_pid)
if [ "${SPLICE:-0}" = 1 ]; then
  taskset -c "$proxy_cpu" "$bin" --splice --listen "127.0.0.1:$s_port" --backend "127.0.0.1:$b1" \
    --backend "127.0.0.1:$b2" --backend "127.0.0.1:$b3" >"$dir/splice.log" &
  s_pid=$!; pids+=($s_pid)
fi
cat >"$dir/haproxy.cfg" <<CONF
global
  nbthread 1
  maxconn 9000
defaults
  mode tcp
  timeout connect 1s
  timeout client 1h
  timeout server 1h
frontend fe
  bind 127.0.0.1:$h_port
  default_backend be
backend be
  balance random
  server s1 127.0.0.1:$b1
  server s2 127.0.0.1:$b2
  server s3 127.0.0.1:$b3
CONF
taskset -c "$proxy_cpu" haproxy -db -f "$dir/haproxy.cfg" &
h_pid=$!; pids+=($h_pid)

for port in $b1 $p_port $h_port ${s_pid:+$s_port}; do
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1 && break; sleep 0.1; done
  curl -fs "http://127.0.0.1:$port/" >/dev/null || { echo "run.sh: port $port does not answer" >&2; exit 1; }
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
# run NAME PID PORT MODE
run() {
  local name=$1 pid=$2 port=$3 mode=$4 extra=()
  [ "$mode" = close ] && extra=(-H "Connection: close")
  local t0 t1 out
  t0=$(ticks "$pid")
  out=$(taskset -c "$load_cpu" wrk -t1 -c"$conns" -d"${duration}s" --latency "${extra[@]}" "http://127.0.0.1:$port/")
  t1=$(ticks "$pid")
  local reqs rps p50 p99 errors
  reqs=$(awk '/requests in/ {print $1}' <<<"$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errors=$(awk '/Socket errors|Non-2xx/ {printf "%s ", $0}' <<<"$out")
  printf '%-16s %-10s req/s %9s  p50 %8s  p99 %8s  cpu/req %6.2f us  %s\n' "$name" "$mode" \
    "$rps" "$p50" "$p99" "$(awk -v d=$((t1 - t0)) -v hz="$hz" -v n="$reqs" 'BEGIN{print d / hz * 1e6 / n}')" "$errors"
}
echo "# $(date -u +%FT%TZ) wrk -t1 -c$conns -d${duration}s; proxies on cpu $proxy_cpu, nginx and wrk on cpu $load_cpu"
for _ in $(seq "${ROUNDS:-1}"); do
  for mode in keepalive close; do
    run probelet "$p_pid" "$p_port" "$mode"
    [ -n "${s_pid:-}" ] && run probelet-splice "$s_pid" "$s_port" "$mode"
    run haproxy "$h_pid" "$h_port" "$mode"
  done
done
