#include "server/table_printers.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace probelet::server {
namespace {

bool InitializedConditionTrue(const api::PodStatus& status) {
  for (const auto& c : status.conditions) {
    if (c.type == "Initialized") return c.status == "True";
  }
  return false;
}

bool HasPodReadyCondition(const api::PodStatus& status) {
  for (const auto& c : status.conditions) {
    if (c.type == "Ready") return c.status == "True";
  }
  return false;
}

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

}  // namespace

std::string HumanDuration(std::chrono::nanoseconds d) {
  using std::chrono::duration_cast;
  int64_t seconds = duration_cast<std::chrono::seconds>(d).count();
  // Two seconds of clock skew are tolerated as "now" (apimachinery does the same).
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return fmt::format("{}s", seconds);
  int64_t minutes = seconds / 60;
  if (minutes < 10) {
    int64_t s = seconds % 60;
    return s == 0 ? fmt::format("{}m", minutes) : fmt::format("{}m{}s", minutes, s);
  }
  if (minutes < 60 * 3) return fmt::format("{}m", minutes);
  int64_t hours = minutes / 60;
  if (hours < 8) {
    int64_t m = minutes % 60;
    return m == 0 ? fmt::format("{}h", hours) : fmt::format("{}h{}m", hours, m);
  }
  if (hours < 48) return fmt::format("{}h", hours);
  if (hours < 24 * 8) {
    int64_t h = hours % 24;
    return h == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}d{}h", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return fmt::format("{}d", hours / 24);
  if (hours < 24 * 365 * 8) {
    int64_t dy = (hours / 24) % 365;
    return dy == 0 ? fmt::format("{}y", hours / 24 / 365)
                   : fmt::format("{}y{}d", hours / 24 / 365, dy);
  }
  return fmt::format("{}y", hours / 24 / 365);
}

std::string TimestampSince(const std::optional<api::Time>& t, api::Time now) {
  if (!t || t->time_since_epoch().count() == 0) return "<unknown>";
  return HumanDuration(now - *t);
}

// printPod, step for step (printers.go); the comments name its branches.
PodColumns PrintPod(const api::Pod& pod, api::Time now) {
  const api::PodStatus& status = pod.status;
  int restarts = 0;
  int restartable_init_restarts = 0;
  int total = static_cast<int>(pod.spec.containers.size());
  int ready = 0;
  std::optional<api::Time> last_restart;
  std::optional<api::Time> last_restartable_init_restart;
  auto later = [](std::optional<api::Time>& acc, const api::ContainerState& last) {
    if (last.terminated && (!acc || *acc < last.terminated->finished_at)) {
      acc = last.terminated->finished_at;
    }
  };

  std::string reason = status.reason.empty() ? status.phase : status.reason;

  std::map<std::string, const api::Container*> init_containers;
  for (const auto& c : pod.spec.init_containers) {
    init_containers[c.name] = &c;
    if (api::IsRestartableInitContainer(c)) ++total;
  }
  auto is_sidecar = [&](const std::string& name) {
    auto it = init_containers.find(name);
    return it != init_containers.end() && api::IsRestartableInitContainer(*it->second);
  };

  bool initializing = false;
  for (size_t i = 0; i < status.init_container_statuses.size(); ++i) {
    const auto& c = status.init_container_statuses[i];
    restarts += c.restart_count;
    later(last_restart, c.last_state);
    if (is_sidecar(c.name)) {
      restartable_init_restarts += c.restart_count;
      later(last_restartable_init_restart, c.last_state);
    }
    if (c.state.terminated && c.state.terminated->exit_code == 0) continue;
    if (is_sidecar(c.name) && c.started.value_or(false)) {
      if (c.ready) ++ready;
      continue;
    }
    if (c.state.terminated) {  // initialization failed
      const auto& t = *c.state.terminated;
      if (t.reason.empty()) {
        reason = t.signal != 0 ? fmt::format("Init:Signal:{}", t.signal)
                               : fmt::format("Init:ExitCode:{}", t.exit_code);
      } else {
        reason = "Init:" + t.reason;
      }
    } else if (c.state.waiting && !c.state.waiting->reason.empty() &&
               c.state.waiting->reason != "PodInitializing") {
      reason = "Init:" + c.state.waiting->reason;
    } else {
      reason = fmt::format("Init:{}/{}", i, pod.spec.init_containers.size());
    }
    initializing = true;
    break;
  }

  if (!initializing || InitializedConditionTrue(status)) {
    restarts = restartable_init_restarts;
    last_restart = last_restartable_init_restart;
    bool has_running = false;
    for (size_t k = status.container_statuses.size(); k-- > 0;) {
      const auto& c = status.container_statuses[k];
      restarts += c.restart_count;
      later(last_restart, c.last_state);
      if (c.state.waiting && !c.state.waiting->reason.empty()) {
        reason = c.state.waiting->reason;
      } else if (c.state.terminated && !c.state.terminated->reason.empty()) {
        reason = c.state.terminated->reason;
      } else if (c.state.terminated) {
        reason = c.state.terminated->signal != 0
                     ? fmt::format("Signal:{}", c.state.terminated->signal)
                     : fmt::format("ExitCode:{}", c.state.terminated->exit_code);
      } else if (c.ready && c.state.running) {
        has_running = true;
        ++ready;
      }
    }
    // Back to "Running" while a container still runs (printPod does the same).
    if (reason == "Completed" && has_running) {
      reason = HasPodReadyCondition(status) ? "Running" : "NotReady";
    }
  }

  if (pod.metadata.deletion_timestamp && status.reason == "NodeLost") {
    reason = "Unknown";
  } else if (pod.metadata.deletion_timestamp && status.phase != api::kPodSucceeded &&
             status.phase != api::kPodFailed) {
    reason = "Terminating";
  }

  PodColumns cols;
  cols.name = pod.metadata.name;
  cols.ready = fmt::format("{}/{}", ready, total);
  cols.status = reason;
  cols.restarts = std::to_string(restarts);
  if (restarts != 0 && last_restart && last_restart->time_since_epoch().count() != 0) {
    cols.restarts = fmt::format("{} ({} ago)", restarts, TimestampSince(last_restart, now));
  }
  cols.age = TimestampSince(pod.metadata.creation_timestamp, now);
  cols.ip = !status.pod_ips.empty() && !status.pod_ips[0].ip.empty() ? status.pod_ips[0].ip
            : !status.pod_ip.empty()                                 ? status.pod_ip
                                                                     : "<none>";
  cols.node = "<none>";
  cols.nominated_node = "<none>";
  cols.readiness_gates = "<none>";
  if (!pod.spec.readiness_gates.empty()) {
    int true_conditions = 0;
    for (const auto& gate : pod.spec.readiness_gates) {
      for (const auto& c : status.conditions) {
        if (c.type == gate.condition_type) {
          if (c.status == "True") ++true_conditions;
          break;
        }
      }
    }
    cols.readiness_gates = fmt::format("{}/{}", true_conditions, pod.spec.readiness_gates.size());
  }
  return cols;
}

EventColumns PrintEvent(const api::Event& event, api::Time now) {
  EventColumns cols;
  cols.first_seen = TimestampSince(event.first_timestamp, now);
  cols.last_seen = event.last_timestamp.time_since_epoch().count() == 0
                       ? cols.first_seen
                       : TimestampSince(event.last_timestamp, now);
  cols.count = event.count == 0 ? 1 : event.count;
  std::string kind = event.involved_object.kind;
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  cols.object = event.involved_object.name.empty() ? kind : kind + "/" + event.involved_object.name;
  cols.type = event.type;
  cols.reason = event.reason;
  cols.message = Trim(event.message);
  cols.subobject = event.involved_object.field_path;
  cols.source = event.source_host.empty() ? event.source_component
                                          : event.source_component + ", " + event.source_host;
  cols.name = event.name;
  return cols;
}

}  // namespace probelet::server
