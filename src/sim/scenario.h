// Scenario: how the containers of a simulated pod behave over time (`probelet simulate
// --scenario`, issue 15 part 2), parsed from YAML and validated with errors that name the field.
//
// Every time in a behaviour counts from the start of the container instance it applies to: a
// restarted container runs the same timeline again (afterRestart: repeat, the default), or,
// with afterRestart: healthy, its restarts only keep startupSeconds and probeLatency (they
// neither exit nor fail a probe by themselves).
//
//   containers:
//     web:                       # a container name, or POD/CONTAINER for one pod only
//       startupSeconds: 45       # every probe fails (connection refused) until then
//       exitAfter: {after: 5m, code: 1}
//       shutdownSeconds: 2       # SIGTERM to exit; SIGKILL at the grace period if longer
//       probeLatency: 100ms      # how long every probe takes to answer
//       afterRestart: repeat     # or healthy
//       liveness:                # also readiness, startup
//         latency: 2s            # this probe's answer time (a timeout when >= timeoutSeconds)
//         fail:                  # windows: probes fail in [from, from+for), again every `every`
//           - {from: 2m, for: 30s, every: 10m}
//           - {from: 20m, for: 1m, latency: 5s}   # with latency: slow, not failing
//
// Durations are Go durations ("1m30s", "500ms") or plain numbers of seconds.
//
// Value types; pure functions; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/expected.h"
#include "prober/probe_type.h"

namespace probelet::sim {

// [from, from + length), repeated every `every` when set (every > length).
struct Window {
  base::Duration from{};
  base::Duration length{};
  std::optional<base::Duration> every;
  // Set: the probes in the window answer after this long (and pass, unless it times them out);
  // unset: they fail.
  std::optional<base::Duration> latency;
  bool Contains(base::Duration t) const;
};

struct ProbeBehaviour {
  std::vector<Window> fail;
  std::optional<base::Duration> latency;  // unset: the container's probeLatency
};

struct ExitAfter {
  base::Duration after{};
  int code = 0;
};

enum class AfterRestart { kRepeat, kHealthy };

struct ContainerBehaviour {
  base::Duration startup{};  // startupSeconds
  std::optional<ExitAfter> exit_after;
  base::Duration shutdown{};  // shutdownSeconds
  base::Duration probe_latency{};
  AfterRestart after_restart = AfterRestart::kRepeat;
  ProbeBehaviour liveness;
  ProbeBehaviour readiness;
  ProbeBehaviour startup_probe;

  const ProbeBehaviour& probe(prober::ProbeType type) const;
};

// What a probe of one type sees at `since_start` into an instance that is the `restart`-th of its
// container (0 for the first).
struct ProbeAnswer {
  bool listening = true;  // false before startupSeconds: connection refused
  bool healthy = true;    // false in a failure window
  base::Duration latency{};
};
ProbeAnswer Answer(const ContainerBehaviour& b, prober::ProbeType type, base::Duration since_start,
                   int restart);
// When the instance exits by itself (nullopt: never), and with which code.
std::optional<ExitAfter> ExitOf(const ContainerBehaviour& b, int restart);

struct Scenario {
  // Keyed by "CONTAINER" or "POD/CONTAINER" as written.
  std::map<std::string, ContainerBehaviour> containers;

  // The behaviour of `container` of `pod`: POD/CONTAINER first, then CONTAINER; a container the
  // scenario does not name behaves well (starts at once, never fails, never exits).
  const ContainerBehaviour& Find(std::string_view pod, std::string_view container) const;
};

// Parses and validates a scenario. Errors: "SOURCE: FIELD.PATH: message", e.g.
// "slow.yaml: containers.web.liveness.fail[0].for: must be greater than 0".
base::Expected<Scenario> ParseScenario(std::string_view text, std::string_view source);

}  // namespace probelet::sim
