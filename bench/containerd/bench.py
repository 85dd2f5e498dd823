#!/usr/bin/env python3
"""CRI (containerd) vs process runtime, through `probelet run` and its API. Run by run.sh, which
starts the private containerd; this program starts and stops probelet itself.

    bench.py restart --probelet P --dir D [--endpoint unix://SOCK --cgroup-root R] [--n 10]
    bench.py pods    --probelet P --dir D [--endpoint unix://SOCK --cgroup-root R
                                           --containerd-pid PID --containerd-dir CD] [--n 50]

restart: N rounds, each a fresh probelet with one pod: `sh` as PID 1 (exits at once on
  SIGTERM) with an exec liveness probe (period 1 s, failureThreshold 1) that fails while
  <round>/sw/fail exists and, on its first failure, touches <round>/sw/failed (its mtime: when
  the failing probe ran). Touch `fail`, poll GET /pods every 10 ms until the container runs
  again (restartCount 1). One restart per round: only the first restart comes without back-off.
  Prints, in ms: switch -> Running (includes the wait for the next probe, 0-1 s), failing probe
  -> Running, and the steps between from probelet's log (kill, create, start).
pods: N pods, each busybox httpd on its own loopback port with an HTTP readiness probe (period
  1 s). Time from probelet's start to all N containers Running and to all N pods Ready (GET /pods
  every 50 ms), then (CRI) the RSS and PSS of containerd and of each containerd-shim-runc-v2 of
  that containerd, from /proc/PID/smaps_rollup, and the time probelet takes to stop them all.

Every wait has a deadline; probelet is always stopped (SIGTERM, then SIGKILL after 60 s).
Python 3 standard library only. Output: `key=value` lines, one per figure, for run.sh.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def free_port(start):
    for port in range(start, start + 2000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    raise SystemExit("no free port from %d" % start)


def yaml_str(s):
    return json.dumps(s)  # a JSON string is a YAML flow scalar


class Probelet:
    """probelet run in the background; stopped (and checked) on exit."""

    def __init__(self, args, manifests_dir):
        self.api = "127.0.0.1:%d" % free_port(10300)
        cmd = [args.probelet, "run", manifests_dir, "--state-dir", os.path.join(args.dir, "state"),
               "--api", self.api]
        if args.endpoint:
            cmd += ["--container-runtime-endpoint", args.endpoint, "--cgroup-root", args.cgroup_root]
        self.log = open(os.path.join(args.dir, "probelet.log"), "ab")
        self.started = time.time()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=self.log)

    def pods(self):
        try:
            with urllib.request.urlopen("http://%s/pods" % self.api, timeout=2) as r:
                return json.load(r).get("items", [])
        except (OSError, ValueError):
            if self.proc.poll() is not None:
                raise SystemExit("probelet exited with %d (log: probelet.log)" % self.proc.returncode)
            return None

    def stop(self):
        """SIGTERM; returns the seconds until it exited (SIGKILL after 60 s)."""
        if self.proc.poll() is not None:
            return 0.0
        t0 = time.time()
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise SystemExit("probelet did not stop within 60 s")
        if rc != 0:
            raise SystemExit("probelet exited with %d on SIGTERM" % rc)
        return time.time() - t0


def container(pod):
    cs = pod.get("status", {}).get("containerStatuses", [])
    return cs[0] if cs else {}


def is_running(pod, restarts=0):
    c = container(pod)
    return "running" in c.get("state", {}) and c.get("restartCount", 0) >= restarts


def is_ready(pod):
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in pod.get("status", {}).get("conditions", []))


def wait_until(probelet, pred, timeout, interval):
    deadline = time.time() + timeout
    while time.time() < deadline:
        pods = probelet.pods()
        if pods is not None and pred(pods):
            return time.time()
        time.sleep(interval)
    raise SystemExit("not reached within %d s" % timeout)


def pod_yaml(name, command, probe_lines, volume=None):
    out = ["apiVersion: v1", "kind: Pod", "metadata: {name: %s}" % name, "spec:",
           "  terminationGracePeriodSeconds: 5"]
    if volume:
        out += ["  volumes:", "  - name: sw", "    hostPath: {path: %s, type: Directory}" % volume]
    out += ["  containers:", "  - name: app", "    image: localhost/probelet-test:1",
            "    imagePullPolicy: Never", "    command: %s" % json.dumps(command)]
    if volume:
        out += ["    volumeMounts: [{name: sw, mountPath: /sw}]"]
    out += ["    " + line for line in probe_lines]
    return "\n".join(out) + "\n"


def write_manifests(args, name, make):
    d = os.path.join(args.dir, name)
    os.makedirs(d, exist_ok=True)
    for i in range(args.n):
        with open(os.path.join(d, "p%03d.yaml" % i), "w") as f:
            f.write(make(i))
    return d


def ms_stats(values):
    v = sorted(values)
    return "min=%.0f median=%.0f max=%.0f" % (v[0] * 1e3, statistics.median(v) * 1e3, v[-1] * 1e3)


def restart(args):
    """N rounds, each a fresh probelet with one pod: nothing else probes meanwhile (10 pods'
    exec probes through ExecSync would take a third of a core here and slow every restart)."""
    cri = bool(args.endpoint)
    by_switch, by_probe = [], []
    steps = {"kill": [], "create": [], "start": []}
    stops = []
    base_dir = args.dir
    for i in range(args.n):
        args.dir = os.path.join(base_dir, "round%02d" % i)
        sw = os.path.join(args.dir, "sw")
        os.makedirs(sw, exist_ok=True)
        inside = "/sw" if cri else sw
        probe = ("test -e {d}/fail || exit 0; test -e {d}/failed || touch {d}/failed; exit 1"
                 .format(d=inside))
        lines = ["livenessProbe:",
                 "  exec: {command: %s}" % json.dumps(["/bin/sh", "-c", probe]),
                 "  periodSeconds: 1", "  timeoutSeconds: 1", "  failureThreshold: 1"]
        cmd = ["/bin/sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $!; done"]
        args_n, args.n = args.n, 1
        d = write_manifests(args, "pods", lambda _: pod_yaml("r", cmd, lines, sw if cri else None))
        args.n = args_n
        p = Probelet(args, d)
        try:
            wait_until(p, lambda pods: len(pods) == 1 and is_running(pods[0]), 60, 0.05)
            time.sleep(1.5)  # the liveness worker has probed at least once
            t_switch = time.time()
            open(os.path.join(sw, "fail"), "w").close()
            t_run = wait_until(p, lambda pods: is_running(pods[0], 1), 60, 0.01)
            os.unlink(os.path.join(sw, "fail"))
            by_switch.append(t_run - t_switch)
            by_probe.append(t_run - os.stat(os.path.join(sw, "failed")).st_mtime)
        finally:
            stops.append(p.stop())
        for key, values in restart_steps(os.path.join(args.dir, "probelet.log")).items():
            steps[key] += values
    print("switch_to_running_ms %s" % ms_stats(by_switch))
    print("failing_probe_to_running_ms %s" % ms_stats(by_probe))
    print("failing_probe_to_running_all_ms %s" % " ".join("%.0f" % (x * 1e3) for x in by_probe))
    for key in ("kill", "create", "start"):
        if steps[key]:
            print("step_%s_ms %s" % (key, ms_stats(steps[key])))
    print("stop_ms %s" % ms_stats(stops))


def restart_steps(log_path):
    """From probelet's log (one line per event, ms timestamps), per pod: the first Killing (the
    liveness kill; the last ones are the shutdown's) and the second Pulled, Created and Started
    (the restart's). kill = Killing -> the next event (the old container stopped; Pulled with
    images, Created without), create = -> Created, start = Created -> Started."""
    import datetime
    seen = {}
    with open(log_path, errors="replace") as f:
        for line in f:
            fields = dict(w.split("=", 1) for w in line.split() if "=" in w)
            reason, pod = fields.get("reason"), fields.get("pod")
            if reason in ("Killing", "Pulled", "Created", "Started") and pod:
                ts = datetime.datetime.strptime(line.split()[0], "%Y-%m-%dT%H:%M:%S.%fZ")
                seen.setdefault(pod, {}).setdefault(reason, []).append(ts.timestamp())
    steps = {"kill": [], "create": [], "start": []}
    for t in seen.values():
        if not t.get("Killing") or len(t.get("Created", [])) < 2 or len(t.get("Started", [])) < 2:
            continue
        stopped = t["Pulled"][1] if len(t.get("Pulled", [])) >= 2 else t["Created"][1]
        steps["kill"].append(stopped - t["Killing"][0])
        steps["create"].append(t["Created"][1] - stopped)
        steps["start"].append(t["Started"][1] - t["Created"][1])
    return steps


def smaps(pid):
    out = {"Rss": 0, "Pss": 0}
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                key = line.split(":")[0]
                if key in out:
                    out[key] = int(line.split()[1])  # kB
    except OSError:
        pass
    return out


def shim_pids(containerd_dir):
    found = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % e) as f:
                if not f.read().startswith("containerd-shim"):
                    continue
            with open("/proc/%s/cmdline" % e, "rb") as f:
                if (containerd_dir + "/containerd.sock").encode() in f.read():
                    found.append(int(e))
        except OSError:
            continue
    return found


def pods(args):
    cri = bool(args.endpoint)
    www = os.path.join(args.dir, "www")
    os.makedirs(www, exist_ok=True)
    with open(os.path.join(www, "index.html"), "w") as f:
        f.write("ok\n")
    base = free_port(20000)
    ports = []
    for _ in range(args.n):
        ports.append(free_port(ports[-1] + 1 if ports else base))

    def make(i):
        httpd = ("httpd -f -p 127.0.0.1:%d -h /www" % ports[i] if cri else
                 "busybox httpd -f -p 127.0.0.1:%d -h %s" % (ports[i], www))
        cmd = ["/bin/sh", "-c", "trap 'exit 0' TERM; %s & wait $!" % httpd]
        lines = ["readinessProbe:", "  httpGet: {path: /, port: %d}" % ports[i],
                 "  periodSeconds: 1"]
        return pod_yaml("p%03d" % i, cmd, lines)

    d = write_manifests(args, "start-pods", make)
    p = Probelet(args, d)
    try:
        t_run = wait_until(p, lambda pods: len(pods) == args.n and all(is_running(x) for x in pods),
                           300, 0.05)
        t_ready = wait_until(p, lambda pods: all(is_ready(x) for x in pods), 300, 0.05)
        print("pods %d" % args.n)
        print("start_to_all_running_s %.2f" % (t_run - p.started))
        print("start_to_all_ready_s %.2f" % (t_ready - p.started))
        time.sleep(3)  # settle
        print("probelet_rss_kb %d" % smaps(p.proc.pid)["Rss"])
        if cri:
            c = smaps(args.containerd_pid)
            shims = [smaps(pid) for pid in shim_pids(args.containerd_dir)]
            print("containerd_rss_kb %d containerd_pss_kb %d" % (c["Rss"], c["Pss"]))
            print("shims %d shims_rss_kb %d shims_pss_kb %d" %
                  (len(shims), sum(s["Rss"] for s in shims), sum(s["Pss"] for s in shims)))
            listed = subprocess.run(["ctr", "-a", args.containerd_dir + "/containerd.sock", "-n",
                                     "k8s.io", "containers", "ls", "-q"], capture_output=True,
                                    text=True, timeout=60).stdout.split()
            print("containerd_containers %d" % len(listed))  # sandboxes + containers
            print("total_rss_kb %d total_pss_kb %d" %
                  (c["Rss"] + sum(s["Rss"] for s in shims), c["Pss"] + sum(s["Pss"] for s in shims)))
    finally:
        print("stop_s %.2f" % p.stop())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["restart", "pods"])
    ap.add_argument("--probelet", required=True)
    ap.add_argument("--dir", required=True, help="a fresh directory for manifests, state, switches")
    ap.add_argument("--endpoint", default="", help="unix://SOCK of containerd; none: process runtime")
    ap.add_argument("--cgroup-root", default="")
    ap.add_argument("--containerd-pid", type=int, default=0)
    ap.add_argument("--containerd-dir", default="")
    ap.add_argument("--n", type=int, default=0)
    args = ap.parse_args()
    if not args.n:
        args.n = 10 if args.what == "restart" else 50
    os.makedirs(args.dir, exist_ok=True)
    restart(args) if args.what == "restart" else pods(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
