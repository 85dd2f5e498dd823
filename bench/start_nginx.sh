# Sourced by the bench run scripts: starts Debian's nginx (one worker, minimal config in a temp
# dir, no keep-alive, `return 200 "ok\n"` on every path) on a free loopback port, waits until it
# answers (5 s at most), and stops it and removes the dir on exit.
# In: NAME (temp dir prefix), PORT (optional: a fixed port instead of a free one, e.g. to count
# one run's TIME_WAIT sockets apart from an earlier run's). Out: $port, $dir. Needs
# set -euo pipefail in the caller.
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || { echo "run.sh: nginx not installed" >&2; exit 2; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
dir=$(mktemp -d "/tmp/${NAME:-bench}.XXXXXX")
port=${PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 20000;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 16000; use epoll; multi_accept on; }
http {
  access_log off;
  client_body_temp_path $dir/body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  keepalive_timeout 0;
  server {
    listen 127.0.0.1:$port backlog=8192;
    location / { return 200 "ok\n"; }
  }
}
CONF
"$nginx_bin" -p "$dir" -c "$dir/nginx.conf" &
nginx_pid=$!
cleanup() { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; rm -rf "$dir"; }
trap cleanup EXIT
# Ready when it answers (bounded: 5 s).
for _ in $(seq 50); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || { echo "run.sh: nginx did not start" >&2; cat "$dir/error.log" >&2; exit 1; }
