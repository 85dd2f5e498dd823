#!/usr/bin/env bash
# `make demo`: runs examples/demo/pod.yaml with `probelet run` and walks through what probelet
# does: the startup probe holds the others back, the pod turns Ready, a Service sends traffic
# only to the ready replica, an edited manifest replaces its pod, readiness goes away and
# comes back without a restart, a liveness failure kills and restarts the container, a crashing
# app goes into CrashLoopBackOff. Stops by
# itself after about 30 s and exits 0 when everything happened as expected.
#
#   examples/demo.sh build/probelet
set -euo pipefail

probelet=${1:?usage: examples/demo.sh PATH_TO_PROBELET}
probelet=$(realpath "$probelet")
build=$(dirname "$probelet")
repo=$(cd "$(dirname "$0")/.." && pwd)
app=$build/examples/probelet-demo-app
# The app is tiny; build it if `make` only built probelet.
cmake --build "$build" --target probelet-demo-app >/dev/null

tmp=$(mktemp -d /tmp/probelet-demo.XXXXXX)
switches=$tmp/switches
switches2=$tmp/switches-2
mkdir -p "$switches" "$switches2"
probelet_pid=
cleanup() {
  if [[ -n $probelet_pid ]] && kill -0 "$probelet_pid" 2>/dev/null; then
    kill -TERM "$probelet_pid" 2>/dev/null || true
    wait "$probelet_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
# Every wait below has a deadline, so the whole demo is bounded (about 30 s, at most ~3 min).

free_port() {  # a port nothing answers on
  for p in $(seq "$1" "$(($1 + 200))"); do
    if ! "$probelet" probe tcp "127.0.0.1:$p" --timeout 200ms >/dev/null 2>&1; then echo "$p"; return; fi
  done
  return 1
}
app_port=$(free_port 18080)
app2_port=$(free_port $((app_port + 1)))
svc_port=$(free_port 18090)
api_port=$(free_port 10255)
api=127.0.0.1:$api_port

# The manifest as shipped, with this run's paths and ports.
sed -e "s#\./build/examples/probelet-demo-app#$app#" -e "s#/tmp/probelet-demo#$switches#" \
    -e "s#18080#$app_port#g" "$repo/examples/demo/pod.yaml" > "$tmp/pod.yaml"
sed -e "s#\./build/examples/probelet-demo-app#$app#" -e "s#/tmp/probelet-demo-2#$switches2#" \
    -e "s#18081#$app2_port#g" -e "s#18090#$svc_port#g" "$repo/examples/demo/service.yaml" \
    > "$tmp/service.yaml"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
pods_json() { curl -sf "http://$api/pods" || true; }
# Small JSON helpers (python3 is on every Debian; jq is not a dependency).
cat > "$tmp/show.py" <<'PY'
import json, sys
what = sys.argv[1]
try:
    data = json.load(sys.stdin)
except Exception:
    data = {}
if what == "events":
    for e in data.get("items", []) if isinstance(data, dict) else data:
        n = e.get("count", 1)
        print("  %-7s %-10s %s%s" % (e.get("involvedObject", {}).get("name", ""), e["reason"],
                                     e["message"], "  (x%d)" % n if n > 1 else ""))
    sys.exit()
pods = data.get("items", [])
if what == "table":
    print("NAME     READY  STATUS            RESTARTS")
    for p in pods:
        st = p.get("status", {})
        cs = st.get("containerStatuses", [])
        ready = sum(1 for c in cs if c.get("ready"))
        restarts = sum(c.get("restartCount", 0) for c in cs)
        # Like kubectl: a waiting container's reason (CrashLoopBackOff...) shows as the status.
        status = next((c["state"]["waiting"].get("reason") for c in cs
                       if c.get("state", {}).get("waiting", {}).get("reason")), st.get("phase", ""))
        print("%-8s %d/%d    %-17s %d" % (p["metadata"]["name"], ready, len(cs), status, restarts))
    sys.exit()
st = pods[0].get("status", {}) if pods else {}
if what == "ready":
    print(next((c["status"] for c in st.get("conditions", []) if c["type"] == "Ready"), ""))
elif what == "restarts":
    print(sum(c.get("restartCount", 0) for c in st.get("containerStatuses", [])))
elif what == "phase":
    print(st.get("phase", ""))
elif what == "waiting":
    cs = st.get("containerStatuses", [])
    print(cs[0].get("state", {}).get("waiting", {}).get("reason", "") if cs else "")
PY
# ready|restarts|phase of the demo pod, from GET /pods.
field() { pods_json | python3 "$tmp/show.py" "$1"; }
wait_for() {  # FIELD VALUE SECONDS
  local deadline=$((SECONDS + $3))
  while ((SECONDS < deadline)); do
    [[ $(field "$1") == "$2" ]] && return 0
    sleep 0.2
  done
  echo "demo: $1 did not become $2 within $3 s" >&2
  return 1
}
show_pods() {
  printf '$ probelet get pods --api %s\n' "$api"
  "$probelet" get pods --api "$api" 2>/dev/null || pods_json | python3 "$tmp/show.py" table
}

say "probelet run $tmp/manifests --api $api   (pod.yaml, service.yaml; its log follows, one line per event)"
cat <<MSG
   The demo app serves /healthz and /ready on 127.0.0.1:$app_port. Watch it from another terminal:
     curl -s http://$api/pods          the v1 PodList, with conditions and container states
     curl -s http://$api/events        Created, Started, Unhealthy, Killing, BackOff...
     $probelet get pods --api $api
MSG
# A directory: probelet follows it live (step 3 edits a file in it).
mkdir -p "$tmp/manifests"
mv "$tmp/pod.yaml" "$tmp/service.yaml" "$tmp/manifests/"
"$probelet" run "$tmp/manifests" --state-dir "$tmp/state" --api "$api" &
probelet_pid=$!

say "1. the startup probe holds liveness and readiness back while the app starts (3 s)"
wait_for ready True 30
show_pods

say "2. a Service: 127.0.0.1:$svc_port sends each new connection to a ready replica (demo, demo-2)"
# curl through the Service N times: which replica (port) answered, counted.
through_service() {
  for _ in $(seq "$1"); do curl -s --max-time 2 "http://127.0.0.1:$svc_port/" || echo "(failed)"; done |
    sed -e 's/: GET.*//' | sort | uniq -c | sed 's/^/   /'
}
service_ready() {  # the number of ready endpoints of the Service
  curl -sf "http://$api/api/v1/namespaces/default/endpoints/demo" |
    python3 -c 'import json,sys; print(sum(len(s.get("addresses",[])) for s in json.load(sys.stdin).get("subsets",[])))' 2>/dev/null
}
wait_endpoints() {  # N SECONDS
  local deadline=$((SECONDS + $2))
  while ((SECONDS < deadline)); do [[ $(service_ready) == "$1" ]] && return 0; sleep 0.2; done
  echo "demo: the Service did not get $1 ready endpoint(s) within $2 s" >&2; return 1
}
wait_endpoints 2 30
printf '$ probelet get endpoints --api %s\n' "$api"
"$probelet" get endpoints --api "$api"
printf '$ for i in $(seq 10); do curl -s 127.0.0.1:%s/; done   (answers per replica)\n' "$svc_port"
through_service 10
echo "   touch $switches2/unready: demo-2 turns unready and leaves the Service's endpoints"
touch "$switches2/unready"
wait_endpoints 1 10
"$probelet" get endpoints --api "$api"
through_service 10
rm -f "$switches2/unready"
wait_endpoints 2 10
echo "   removed it: demo-2 is back in the endpoints and gets traffic again"

say "3. a manifest edited while probelet runs: demo-2's grace period 5 -> 4 s in service.yaml"
# name uid ready of demo-2, from GET /pods.
demo2() {
  pods_json | python3 -c '
import json, sys
try:
    items = json.load(sys.stdin)["items"]
except Exception:
    items = []
for p in items:
    if p["metadata"]["name"] == "demo-2" and not p["metadata"].get("deletionTimestamp"):
        cs = p["status"].get("containerStatuses") or [{}]
        print(p["metadata"]["uid"], all(c.get("ready") for c in cs))'
}
old_uid=$(demo2 | cut -d' ' -f1)
echo "   the spec changed, so the pod is stopped (its grace period) and started again under a new"
echo "   UID derived from the new content (the kubelet's static pods); an identical rewrite would"
echo "   change nothing"
edit_start=$SECONDS
sed -i 's/terminationGracePeriodSeconds: 5/terminationGracePeriodSeconds: 4/' "$tmp/manifests/service.yaml"
deadline=$((SECONDS + 40))
until read -r uid ready <<<"$(demo2)" && [[ -n $uid && $uid != "$old_uid" && $ready == True ]]; do
  ((SECONDS < deadline)) || { echo "demo: the edited demo-2 did not run within 40 s" >&2; exit 1; }
  sleep 0.2
done
echo "   demo-2: uid $old_uid -> $uid, ready $((SECONDS - edit_start)) s after the edit"
show_pods

say "4. readiness: touch $switches/unready -> Ready=False, and no restart"
touch "$switches/unready"
wait_for ready False 10
show_pods
rm -f "$switches/unready"
wait_for ready True 10
echo "   removed it: Ready=True again"

say "5. liveness: touch $switches/fail -> two failures 2 s apart -> Killing, then a restart"
touch "$switches/fail"
wait_for restarts 1 20
rm -f "$switches/fail"
wait_for ready True 30
show_pods
printf '$ curl -s http://%s/events   (reason: message)\n' "$api"
curl -sf "http://$api/events" | python3 "$tmp/show.py" events

say "6. crash: touch $switches/crash -> the app exits; the first restart is immediate, then CrashLoopBackOff (10 s, 20 s, ... 5 min)"
touch "$switches/crash"
wait_for waiting CrashLoopBackOff 20
show_pods
rm -f "$switches/crash"
echo "   removed it: the next restart comes when the 10 s back-off has passed"
wait_for ready True 40
show_pods

say "7. SIGTERM to probelet: readiness keeps probing while each container gets its grace period"
kill -TERM "$probelet_pid"
for _ in $(seq 100); do kill -0 "$probelet_pid" 2>/dev/null || break; sleep 0.2; done
kill -0 "$probelet_pid" 2>/dev/null && { echo "demo: probelet did not stop in 20 s" >&2; kill -KILL "$probelet_pid"; }
rc=0
wait "$probelet_pid" || rc=$?
probelet_pid=
if ((rc != 0)); then echo "demo: probelet exited with $rc" >&2; exit 1; fi
say "demo done: probelet exited 0, nothing left running"
