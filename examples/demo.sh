#!/usr/bin/env bash
# Interim demo (`make demo`): starts nginx on a loopback port with a throwaway config, then runs
# `probelet probe` against it to show each kind of result with the kubelet's wording, and stops
# everything. Exits 0 when every probe gave the expected result.
#
#   examples/demo.sh build/probelet
set -euo pipefail

probelet=${1:?usage: examples/demo.sh PATH_TO_PROBELET}
probelet=$(realpath "$probelet")
command -v nginx >/dev/null || { echo "demo: nginx is needed (make deps installs it)" >&2; exit 1; }
nginx_bin=$(command -v nginx)

tmp=$(mktemp -d /tmp/probelet-demo.XXXXXX)
chmod 755 "$tmp"
nginx_pid=
cleanup() {
  if [[ -n $nginx_pid ]]; then
    kill "$nginx_pid" 2>/dev/null || true
    wait "$nginx_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/www"
head -c 4096 /dev/zero | tr '\0' . > "$tmp/www/slow.txt"
chmod -R a+rX "$tmp/www"

start_nginx() {  # $1 = port; returns non-zero if nginx did not come up on it
  local port=$1
  cat > "$tmp/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $tmp/body;
  proxy_temp_path $tmp/proxy;
  fastcgi_temp_path $tmp/fastcgi;
  uwsgi_temp_path $tmp/uwsgi;
  scgi_temp_path $tmp/scgi;
  default_type text/plain;
  server {
    listen 127.0.0.1:$port;
    root $tmp/www;
    location = /healthz  { return 200 "ok\n"; }
    location = /broken   { return 500 "database unreachable\n"; }
    location = /elsewhere { return 302 http://example.invalid/login; }
    location = /slow.txt { limit_rate 1; }   # headers at once, then 1 byte/s
  }
}
CONF
  "$nginx_bin" -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf" &
  nginx_pid=$!
  for _ in $(seq 50); do
    if "$probelet" probe tcp "127.0.0.1:$port" --timeout 200ms >/dev/null; then return 0; fi
    if ! kill -0 "$nginx_pid" 2>/dev/null; then nginx_pid=; return 1; fi
    sleep 0.1
  done
  return 1
}

port=
for candidate in $(seq 18080 18120); do
  # Skip ports something already answers on; nginx itself fails on a port taken meanwhile.
  if "$probelet" probe tcp "127.0.0.1:$candidate" --timeout 200ms >/dev/null; then continue; fi
  if start_nginx "$candidate"; then port=$candidate; break; fi
done
[[ -n $port ]] || { echo "demo: could not start nginx" >&2; cat "$tmp/error.log" >&2 || true; exit 1; }
base=http://127.0.0.1:$port

failures=0
show() {  # $1 = expected exit code, then the probe arguments
  local want=$1; shift
  printf '\n$ probelet probe'
  printf ' %q' "$@"
  printf '\n'
  local rc=0
  "$probelet" probe "$@" || rc=$?
  if [[ $rc == "$want" ]]; then
    printf '  (exit %s)\n' "$rc"
  else
    printf '  (exit %s, expected %s)\n' "$rc" "$want"
    failures=$((failures + 1))
  fi
}

echo "== probelet probe: one probe, the kubelet's semantics (nginx on 127.0.0.1:$port) =="
echo "-- success"
show 0 http "$base/healthz"
show 0 tcp "127.0.0.1:$port"
show 0 exec -- sh -c 'echo ready'
echo
echo "-- warning (a redirect to another host is not followed; still a success)"
show 0 http "$base/elsewhere"
echo
echo "-- failure"
show 1 http "$base/broken"
show 1 exec -- sh -c 'echo "not ready yet"; exit 1'
echo
echo "-- timeout (a failure too)"
show 1 http "$base/slow.txt" --timeout 1s
show 1 exec --timeout 500ms -- sleep 10
echo
echo "-- unknown (could not run the probe at all) and bad arguments"
show 2 exec -- /no/such/command
show 2 tcp "127.0.0.1" 2>&1

echo
if ((failures > 0)); then
  echo "demo: $failures probe(s) did not give the expected result" >&2
  exit 1
fi
echo "== demo done: nginx stopped, nothing left running =="
