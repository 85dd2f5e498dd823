// The parts of `probelet run` that tests call without a process: its flags and the fields of
// the log line each event is printed as.
//
// Pure functions; called on the main thread.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/event.h"
#include "cli/command_line.h"

namespace probelet::cli {

struct RunFlags {
  std::vector<std::string> paths;
  std::string state_dir;                // DefaultStateDir() when not given
  std::string api = "127.0.0.1:10255";  // "none" or "": no API
  bool api_allow_remote = false;        // serve the API on a non-loopback address too
  bool json = false;                    // --log-format json
  // The CRI runtime (runtime/cri/cri_runtime.h): "unix:///PATH" of containerd's socket; empty
  // selects the process runtime. The flags below need it.
  std::string container_runtime_endpoint;
  bool cni_network = false;               // --pod-network cni (default node: pod IP = node IP)
  bool direct_exec_probes = false;        // --exec-probes direct (default runtime: CRI ExecSync)
  std::string cgroup_root = "/probelet";  // pods' cgroup parents: <root>/pod<uid>
  // Where every Service port (and node port) listens: the Services' clusterIP.
  std::string service_address = "127.0.0.1";
  // Attempts each probe worker keeps (prober/probe_history.h); 0: none.
  size_t probe_history = 100;
  // SIGTERM/SIGINT end probelet at once and leave every container running, for a later
  // probelet with the same state dir to adopt (the daemon mode; the systemd unit uses it).
  bool keep_containers_on_exit = false;
  // Seeds the probe workers' start-up jitter (§3.2.2); unset: this process's pid. The same
  // seed as `probelet simulate --seed` draws the same first-probe offsets for the same
  // manifests (the fidelity test compares the two runs this way).
  std::optional<uint64_t> seed;
};

// $XDG_RUNTIME_DIR/probelet, else /var/lib/probelet as root, else /tmp/probelet-<uid>.
std::string DefaultStateDir();

// `probelet run FILE_OR_DIR... [--state-dir DIR] [--api ADDR] [--api-allow-remote]
// [--log-format text|json] [--container-runtime-endpoint unix:///PATH [--pod-network node|cni]
// [--exec-probes runtime|direct] [--cgroup-root PATH]] [--service-address IP]
// [--probe-history N] [--seed N]`: fills `flags`, or
// returns the help / usage error to print.
std::optional<CommandOutput> ParseRunFlags(const Args& args, RunFlags& flags);

// The key=value fields of an event's log line: pod (namespace/name), container (from the field
// path "spec.containers{web}"), reason, and count when the event repeated.
std::vector<std::pair<std::string, std::string>> EventLogFields(const api::Event& event);

// The CRI runtime's instance label value for a state dir: "probelet-" and a hash of its
// absolute path, so that two probelets on one containerd (with different state dirs) never
// touch each other's sandboxes, and a restarted one recognises its own.
std::string RuntimeInstanceName(const std::string& state_dir);

}  // namespace probelet::cli
