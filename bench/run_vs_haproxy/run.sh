#!/usr/bin/env bash
# `probelet run` against HAProxy's active health checks and the kubelet-like Go prober, at the
# same HTTP probe rate against the same nginx, in one go (issue 13 point 5). For each rate in
# RATES (probes per second; default "1000 3000 4000"):
#
#   probelet  RATE/2 pods (each a real `sleep` process) with a liveness and a readiness httpGet
#             (KIND=tcp: tcpSocket) probe on nginx, period 1 s, from one manifest directory;
#             measured once every pod is Ready, over DURATION seconds with nothing but probing:
#             CPU of probelet per probe (utime+stime from /proc, divided by the
#             prober_probe_total delta of /metrics), false failures (the "failed" results in
#             that delta), lateness p99 (from each worker's probe history, GET /probes: a
#             probe's start less the earliest start of its worker's schedule in the window,
#             each start taken modulo the period), RSS, time from start to all pods Ready; then
#             over another DURATION seconds GET /pods latency p50/p99 while probing, and the
#             lateness p99 (after the slash) and CPU per probe (column cpu+api) with that API load;
#   haproxy   one backend with RATE `server` lines, `option httpchk GET /healthz`, `inter 1s`,
#             nbthread 1: CPU per check (its CPU over DURATION / (RATE x DURATION));
#   kubeprober-go  -n RATE -period 1s (../shared/bench/kubeprober-go, built when `go` exists):
#             its own CPU per probe and lateness.
#
#   bench/run_vs_haproxy/run.sh [BUILD_DIR]      (as root; needs nginx, haproxy, golang-go)
#   RATES="1000" DURATION=20 bench/run_vs_haproxy/run.sh build
#   ONLY=probelet RATES=4000 ...   (probelet's line alone: its start, memory and API at scale)
#   STATE_DIR=/dev/shm/probelet-state ...   (probelet's state dir on tmpfs)
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
build=$(realpath "${1:-build}")
rates=${RATES:-1000 3000 4000}
duration=${DURATION:-20}
kind=${KIND:-http}
probelet=$build/probelet
[ -x "$probelet" ] || { echo "run.sh: build $probelet first (make)" >&2; exit 2; }
command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || { echo "run.sh: haproxy missing (make bench-deps)" >&2; exit 2; }
haproxy_bin=$(command -v haproxy || echo /usr/sbin/haproxy)
ulimit -n 20000 2>/dev/null || true

NAME=run_vs_haproxy
source bench/start_nginx.sh
work=$dir/work
mkdir -p "$work"
# STATE_DIR: where probelet keeps its state (default: in the run's temp dir). On a file system
# without a journal, ext4 skips every inode freed in the last minute when it allocates one, so
# the files written per start cost more there than on tmpfs: STATE_DIR=/dev/shm/x shows how much.
state=${STATE_DIR:-$work/state}

kubeprober=${KUBEPROBER:-/tmp/kubeprober-go}
if [ ! -x "$kubeprober" ] && command -v go >/dev/null; then
  (cd "$repo/../shared/bench/kubeprober-go" && GOFLAGS=-mod=mod go build -o "$kubeprober" . ) \
    >/dev/null 2>&1 || echo "# kubeprober-go: could not build it (skipped)"
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
# Sum of prober_probe_total, and of its result="failed" series, from /metrics.
probe_totals() {
  curl -sf "http://$1/metrics" | awk '/^prober_probe_total\{/ { n += $NF; if ($0 ~ /result="failed"/) f += $NF }
    END { printf "%d %d\n", n, f }'
}

# p99 lateness in ms of the probes started from $2 to $4 (unix seconds), from GET /probes.
lateness_p99() {
  curl -sf "http://$1/probes?attempts=$3" | python3 -c '
import json, sys, datetime
since, until = float(sys.argv[1]), float(sys.argv[2]); period = 1.0; late = []
def ts(s): return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
for w in json.load(sys.stdin).get("items", []):
    starts = [ts(a["start"]) for a in (w.get("attempts") or [])]
    starts = [t for t in starts if since <= t < until]
    if len(starts) < 2: continue
    ph = [(t - starts[0] + period / 2) % period - period / 2 for t in starts]
    m = min(ph); late += [(p - m) * 1000 for p in ph]
late.sort()
print("%.2f" % late[min(len(late) - 1, int(len(late) * 0.99))] if late else "-")' "$2" "$4"
}

if [ "$kind" = tcp ]; then
  haproxy_check=""
else
  haproxy_check="  option httpchk GET /healthz"
fi
printf '\n%-14s %6s %10s %9s %11s %9s %10s %12s %9s %s\n' what rate cpu_us/pr fails late_p99/api rss_MB ready_s "pods p50/p99" cpu+api note
for rate in $rates; do
  pods=$((rate / 2))
  if [ "$kind" = tcp ]; then
    handler="tcpSocket: {port: $port}"
  else
    handler="httpGet: {path: /healthz, port: $port}"
  fi
  # --- probelet run
  rm -rf "$work/manifests" "$state"; mkdir -p "$work/manifests"
  for i in $(seq "$pods"); do
    cat > "$work/manifests/p$i.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: p$i}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    command: [sleep, "100000"]
    livenessProbe: {$handler, periodSeconds: 1}
    readinessProbe: {$handler, periodSeconds: 1}
YAML
  done
  api_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  api=127.0.0.1:$api_port
  t0=$(date +%s.%N)
  "$probelet" run "$work/manifests" --state-dir "$state" --api "$api" 2>"$work/probelet.log" &
  ppid=$!
  # All Ready: from probelet's own log, followed by one process that keeps each pod's last
  # "pod Ready=" line, so the wait costs next to nothing. (Polling GET /pods with a parse of
  # 2,000 pods every 0.1 s took about a third of this 2-core machine during the very starts it
  # timed.) The time is the log stamp of the line that made every pod Ready, less t0; one
  # GET /pods then checks that the API agrees.
  ready=$(python3 - "$work/probelet.log" "$pods" "$t0" <<'PY'
import datetime, re, sys, time
path, pods, t0 = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
line_re = re.compile(r"^(\S+) \S+ pod Ready=(True|False) pod=(\S+)")
last, ready, rest, end = {}, 0, "", time.time() + 120
while True:  # the shell's redirect may not have made it yet
    try:
        f = open(path)
        break
    except FileNotFoundError:
        time.sleep(0.01)
with f:
    while time.time() < end:
        chunk = f.read()
        if not chunk:
            time.sleep(0.05)
            continue
        lines = (rest + chunk).split("\n")
        rest = lines.pop()
        for line in lines:
            m = line_re.match(line)
            if not m:
                continue
            now = m[2] == "True"
            ready += int(now) - int(last.get(m[3], False))
            last[m[3]] = now
            if ready == pods:
                t = datetime.datetime.fromisoformat(m[1].replace("Z", "+00:00")).timestamp()
                print(f"{t - t0:.1f}")
                sys.exit()
PY
)
  n=$(curl -sf "http://$api/pods" | python3 -c 'import json,sys
d=json.load(sys.stdin)
print(sum(1 for p in d.get("items",[]) for c in p["status"].get("conditions",[]) if c["type"]=="Ready" and c["status"]=="True"))' 2>/dev/null || echo 0)
  [ "$n" = "$pods" ] || ready="${ready:+$ready,}api:$n/$pods"
  # Containers killed on the way (a liveness probe that failed while the machine was busy
  # with the starts): "Stopping container ... reason=Killing" lines so far.
  killed=$(grep -c "reason=Killing" "$work/probelet.log" || true)
  # Probing alone: CPU, probes, failures, then the lateness of the probes in that window.
  read -r n0 f0 < <(probe_totals "$api")
  c0=$(cpu_ticks "$ppid")
  w0=$(date +%s.%N)
  sleep "$duration"
  c1=$(cpu_ticks "$ppid")
  read -r n1 f1 < <(probe_totals "$api")
  w1=$(date +%s.%N)
  late=$(lateness_p99 "$api" "$w0" "$((duration + 2))" "$w1" || echo "?")
  # GET /pods while probing: latency of each request, p50 and p99; CPU per probe meanwhile.
  read -r n2 f2 < <(probe_totals "$api")
  c2=$(cpu_ticks "$ppid")
  w2=$(date +%s.%N)
  lat=$(python3 - "$api" "$duration" <<'PY'
import http.client, sys, time
host, port = sys.argv[1].split(":"); end = time.time() + float(sys.argv[2]) - 1
ms = []
while time.time() < end:
    t = time.perf_counter()
    c = http.client.HTTPConnection(host, int(port), timeout=10); c.request("GET", "/pods"); c.getresponse().read(); c.close()
    ms.append((time.perf_counter() - t) * 1000); time.sleep(0.2)
ms.sort(); print("%.1f/%.1f" % (ms[len(ms)//2], ms[min(len(ms)-1, int(len(ms)*0.99))]) if ms else "-")
PY
)
  sleep 1
  c3=$(cpu_ticks "$ppid")
  w3=$(date +%s.%N)
  read -r n3 f3 < <(probe_totals "$api")
  late_api=$(lateness_p99 "$api" "$w2" "$((duration + 2))" "$w3" || echo "?")
  rss=$(( $(rss_kb "$ppid") / 1024 ))
  # What the containers cost: probelet's fds, and the shims (one per container) with their
  # RSS and PSS summed (PSS shares the static binary's pages among them).
  fds=$(ls "/proc/$ppid/fd" | wc -l)
  shims=$(pgrep -f "probelet-shim $state/" || true)
  nshims=$(wc -w <<<"$shims")
  shim_mem=$(for s in $shims; do cat "/proc/$s/smaps_rollup" 2>/dev/null; done |
    awk '/^Rss:/ {r += $2} /^Pss:/ {p += $2} END {printf "%.0f/%.0f", r/1024, p/1024}')
  # One ps for all shims (a pgrep per shim took minutes at 2,000 pods).
  kids=$(ps -eo ppid= | awk -v list="$shims" 'BEGIN { n = split(list, a); for (i = 1; i <= n; i++) s[a[i]] = 1 }
    ($1 in s) { k++ } END { print k + 0 }')
  kill -TERM "$ppid"; wait "$ppid" 2>/dev/null || true
  probes=$((n1 - n0))
  printf '%-14s %6s %10s %9s %11s %9s %10s %12s %9s %s\n' "probelet run" "$rate" \
    "$(python3 -c "print(f'{($c1-$c0)/$hz*1e6/max($probes,1):.1f}')")" \
    "$((f1 - f0 + f3 - f2))" "$late/$late_api" "$rss" "${ready:-never}" "$lat" \
    "$(python3 -c "print(f'{($c3-$c2)/$hz*1e6/max($n3-$n2,1):.1f}')")" \
    "$pods pods, $(python3 -c "print(f'{$probes/($w1-$w0):.0f}')") probes/s measured, $killed killed before all Ready"
  printf '%-14s %6s   probelet fds %s; %s shims (RSS/PSS summed %s MB) with %s containers\n' \
    "" "" "$fds" "$nshims" "${shim_mem:--}" "$kids"
  # The containers outlive probelet (shim mode): kill what this run left, the containers and
  # then the shims, in two calls rather than two per shim.
  if [ -n "$shims" ]; then
    pgrep -P "$(tr ' ' ',' <<<"$shims" | tr '\n' ',' | sed 's/,$//')" | xargs -r kill -KILL 2>/dev/null || true
    kill -KILL $shims 2>/dev/null || true
  fi
  [ "${ONLY:-}" = probelet ] && continue

  # --- haproxy
  {
    printf 'global\n  nbthread 1\n  maxconn 5000\ndefaults\n  mode http\n  timeout connect 1s\n  timeout check 1s\n'
    printf '  timeout client 5s\n  timeout server 5s\n'
    # HAProxy refuses to start without a listener: one that nothing uses.
    printf 'frontend unused\n  bind 127.0.0.1:%d\n  default_backend checks\n' "$api_port"
    printf 'backend checks\n%s\n' "$haproxy_check"
    for i in $(seq "$rate"); do printf '  server s%d 127.0.0.1:%d check inter 1s\n' "$i" "$port"; done
  } > "$work/haproxy.cfg"
  "$haproxy_bin" -f "$work/haproxy.cfg" -db >"$work/haproxy.log" 2>&1 &
  hpid=$!
  sleep 2
  # maxconn 5000: HAProxy wants 2 x maxconn + one fd per server and refuses to start beyond
  # the 20,000 open files allowed here (9000 failed at 3,000 servers).
  if ! kill -0 "$hpid" 2>/dev/null; then
    echo "haproxy $rate: did not start: $(tail -1 "$work/haproxy.log")"; continue
  fi
  h0=$(cpu_ticks "$hpid"); sleep "$duration"; h1=$(cpu_ticks "$hpid")
  hrss=$(( $(rss_kb "$hpid") / 1024 ))
  kill "$hpid"; wait "$hpid" 2>/dev/null || true
  printf '%-14s %6s %10s %9s %11s %9s %10s %12s %9s %s\n' haproxy "$rate" \
    "$(python3 -c "print(f'{($h1-$h0)/$hz*1e6/($rate*$duration):.1f}')")" - - "$hrss" - - - \
    "checks assumed at rate"

  # --- kubeprober-go
  if [ -x "$kubeprober" ]; then
    out=$("$kubeprober" -kind "$kind" -n "$rate" -period 1s -duration "${duration}s" -target "127.0.0.1:$port" -path /healthz 2>&1 | tail -1)
    cpu=$(sed -n 's/.*cpu_us_per_probe=\([0-9.]*\).*/\1/p' <<<"$out")
    printf '%-14s %6s %10s %9s %11s %9s %10s %12s %9s %s\n' kubeprober-go "$rate" "${cpu:-?}" - - - - - - \
      "$out"
  fi
done
[ -z "${STATE_DIR:-}" ] || rm -rf "$state"  # outside the temp dir that start_nginx.sh removes
