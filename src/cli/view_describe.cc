#include "cli/view_describe.h"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <sstream>
#include <vector>

#include "api/json_fields.h"
#include "api/probe_describe.h"
#include "base/host_port.h"
#include "cli/view_probes.h"
#include "cli/view_tabwriter.h"
#include "server/table_printers.h"

namespace probelet::cli {
namespace {

using api::json_fields::Field;
using api::json_fields::Int;
using api::json_fields::IntOrStringText;
using api::json_fields::Str;
using api::json_fields::StringList;
using nlohmann::json;

std::optional<api::Time> TimeOf(const json& j, const char* key) {
  std::string s = Str(j, key);
  if (s.empty()) return std::nullopt;
  return api::ParseRFC3339(s);
}

// Go's time.RFC1123Z in the local zone: "Sat, 28 Nov 2026 08:48:49 +0000".
std::string Rfc1123z(const std::optional<api::Time>& t) {
  if (!t) return "Mon, 01 Jan 0001 00:00:00 +0000";  // Go's zero time, as kubectl prints it
  std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(*t));
  std::tm tm{};
  localtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S %z", &tm);
  return std::string(buf, n);
}

// Tabwriter input, written with kubectl's PrefixWriter levels (two spaces per level).
class Writer {
 public:
  template <typename... Args>
  void Write(int level, fmt::format_string<Args...> format, Args&&... args) {
    text_.append(static_cast<size_t>(level) * 2, ' ');
    text_ += fmt::format(format, std::forward<Args>(args)...);
  }
  // Everything so far is aligned on its own (kubectl flushes its tabwriter before events).
  void Flush() {
    out_ += FormatDescribe(text_);
    text_.clear();
  }
  std::string Done() {
    Flush();
    return out_;
  }

 private:
  std::string text_;
  std::string out_;
};

// printLabelsMultiline: sorted "k=v", one per line, "<none>" if empty.
void WriteLabels(Writer& w, const char* title, const json& map) {
  w.Write(0, "{}:\t", title);
  if (!map.is_object() || map.empty()) {
    w.Write(0, "<none>\n");
    return;
  }
  bool first = true;
  for (const auto& [k, v] : map.items()) {  // nlohmann objects iterate in key order
    if (!first) w.Write(0, "\t");
    w.Write(0, "{}={}\n", k, v.is_string() ? v.get<std::string>() : v.dump());
    first = false;
  }
}

// printAnnotationsMultiline: "k: v"; a long or multi-line value goes below its key, each line
// indented and cut at kubectl's maxAnnotationLen.
void WriteAnnotations(Writer& w, const json& map) {
  constexpr size_t kMaxAnnotationLen = 140;
  w.Write(0, "Annotations:\t");
  if (!map.is_object() || map.empty()) {
    w.Write(0, "<none>\n");
    return;
  }
  bool first = true;
  for (const auto& [k, v] : map.items()) {
    if (!first) w.Write(0, "\t");
    first = false;
    std::string value = v.is_string() ? v.get<std::string>() : v.dump();
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (value.size() + k.size() + 2 > kMaxAnnotationLen || value.find('\n') != value.npos) {
      w.Write(0, "{}:\n", k);
      size_t start = 0;
      while (true) {
        size_t nl = value.find('\n', start);
        std::string line = value.substr(start, nl == value.npos ? nl : nl - start);
        if (line.size() > kMaxAnnotationLen - 2)
          line = line.substr(0, kMaxAnnotationLen - 2) + "...";
        w.Write(0, "\t  {}\n", line);
        if (nl == value.npos) break;
        start = nl + 1;
      }
    } else {
      w.Write(0, "{}: {}\n", k, value);
    }
  }
}

void WriteState(Writer& w, const char* name, const json& state) {
  if (const json& r = Field(state, "running"); r.is_object()) {
    w.Write(2, "{}:\tRunning\n", name);
    w.Write(3, "Started:\t{}\n", Rfc1123z(TimeOf(r, "startedAt")));
  } else if (const json& wt = Field(state, "waiting"); wt.is_object()) {
    w.Write(2, "{}:\tWaiting\n", name);
    if (!Str(wt, "reason").empty()) w.Write(3, "Reason:\t{}\n", Str(wt, "reason"));
  } else if (const json& t = Field(state, "terminated"); t.is_object()) {
    w.Write(2, "{}:\tTerminated\n", name);
    if (!Str(t, "reason").empty()) w.Write(3, "Reason:\t{}\n", Str(t, "reason"));
    if (!Str(t, "message").empty()) w.Write(3, "Message:\t{}\n", Str(t, "message"));
    w.Write(3, "Exit Code:\t{}\n", Int(t, "exitCode"));
    if (Int(t, "signal") > 0) w.Write(3, "Signal:\t{}\n", Int(t, "signal"));
    w.Write(3, "Started:\t{}\n", Rfc1123z(TimeOf(t, "startedAt")));
    w.Write(3, "Finished:\t{}\n", Rfc1123z(TimeOf(t, "finishedAt")));
  } else {
    w.Write(2, "{}:\tWaiting\n", name);
  }
}

// A value a fieldRef env var resolves to, as kubectl's ExtractFieldPathAsString does.
std::string FieldRefValue(const json& pod, const std::string& path) {
  if (path == "metadata.name") return Str(Field(pod, "metadata"), "name");
  if (path == "metadata.namespace") return Str(Field(pod, "metadata"), "namespace");
  if (path == "metadata.uid") return Str(Field(pod, "metadata"), "uid");
  if (path == "status.podIP") return Str(Field(pod, "status"), "podIP");
  if (path == "status.hostIP") return Str(Field(pod, "status"), "hostIP");
  if (path == "spec.nodeName") return Str(Field(pod, "spec"), "nodeName");
  return "";
}

void WriteContainers(Writer& w, const char* title, const json& pod, const json& containers,
                     const json& statuses, const json& probes) {
  w.Write(0, "{}:\n", title);
  for (const json& c : containers) {
    std::string name = Str(c, "name");
    const json* status = nullptr;
    if (statuses.is_array()) {
      for (const json& s : statuses) {
        if (Str(s, "name") == name) status = &s;
      }
    }
    w.Write(1, "{}:\n", name);
    if (status) w.Write(2, "Container ID:\t{}\n", Str(*status, "containerID"));
    w.Write(2, "Image:\t{}\n", Str(c, "image"));
    if (status) w.Write(2, "Image ID:\t{}\n", Str(*status, "imageID"));
    std::vector<std::string> ports, host_ports;
    for (const json& p : Field(c, "ports").is_array() ? Field(c, "ports") : json::array()) {
      std::string proto = Str(p, "protocol").empty() ? "TCP" : Str(p, "protocol");
      ports.push_back(fmt::format("{}/{}", Int(p, "containerPort"), proto));
      host_ports.push_back(fmt::format("{}/{}", Int(p, "hostPort"), proto));
    }
    auto join = [](const std::vector<std::string>& v) {
      std::string s;
      for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
      return s;
    };
    if (ports.size() > 1) {
      w.Write(2, "Ports:\t{}\n", join(ports));
      w.Write(2, "Host Ports:\t{}\n", join(host_ports));
    } else {
      w.Write(2, "Port:\t{}\n", ports.empty() ? "<none>" : ports[0]);
      w.Write(2, "Host Port:\t{}\n", host_ports.empty() ? "<none>" : host_ports[0]);
    }
    for (const auto& [key, label] : {std::pair{"command", "Command"}, std::pair{"args", "Args"}}) {
      const json& list = Field(c, key);
      if (!list.is_array() || list.empty()) continue;
      w.Write(2, "{}:\n", label);
      for (const json& arg : list) {
        std::istringstream lines(arg.is_string() ? arg.get<std::string>() : arg.dump());
        for (std::string line; std::getline(lines, line);) w.Write(3, "{}\n", line);
      }
    }
    if (status) {
      WriteState(w, "State", Field(*status, "state"));
      const json& last = Field(*status, "lastState");
      if (Field(last, "terminated").is_object()) WriteState(w, "Last State", last);
      w.Write(2, "Ready:\t{}\n", Field(*status, "ready") == true ? "True" : "False");
      w.Write(2, "Restart Count:\t{}\n", Int(*status, "restartCount"));
    } else {
      w.Write(2, "State:\tWaiting\n");
      w.Write(2, "Ready:\tFalse\n");
      w.Write(2, "Restart Count:\t0\n");
    }
    for (const auto& [key, label] :
         {std::pair{"livenessProbe", "Liveness"}, std::pair{"readinessProbe", "Readiness"},
          std::pair{"startupProbe", "Startup"}}) {
      if (const json& probe = Field(c, key); probe.is_object()) {
        w.Write(2, "{}:\t{}\n", label, api::DescribeProbe(probe));
      }
    }
    const json& env = Field(c, "env");
    bool no_env = !env.is_array() || env.empty();
    w.Write(2, "Environment:{}\n", no_env ? "\t<none>" : "");
    if (!no_env) {
      for (const json& e : env) {
        const json& from = Field(e, "valueFrom");
        if (const json& ref = Field(from, "fieldRef"); ref.is_object()) {
          std::string path = Str(ref, "fieldPath");
          w.Write(3, "{}:\t{} ({}:{})\n", Str(e, "name"), FieldRefValue(pod, path),
                  Str(ref, "apiVersion"), path);
          continue;
        }
        std::istringstream lines(Str(e, "value"));
        std::string line;
        bool first = true;
        while (std::getline(lines, line) || first) {
          if (first) {
            w.Write(3, "{}:\t{}\n", Str(e, "name"), line);
          } else {
            w.Write(3, "\t{}\n", line);
          }
          first = false;
        }
      }
    }
    w.Write(2, "Mounts:\t<none>\n");
    w.Write(0, "{}", ProbeHistoryText(probes, name));
  }
}

void WriteEvents(Writer& w, const json& events, api::Time now) {
  std::vector<const json*> items;
  if (const json& list = Field(events, "items"); list.is_array()) {
    for (const json& e : list) items.push_back(&e);
  }
  if (items.empty()) {
    w.Write(0, "Events:\t<none>\n");
    return;
  }
  w.Flush();
  // event.SortableEvents: by lastTimestamp.
  std::stable_sort(items.begin(), items.end(), [](const json* a, const json* b) {
    return TimeOf(*a, "lastTimestamp").value_or(api::Time{}) <
           TimeOf(*b, "lastTimestamp").value_or(api::Time{});
  });
  w.Write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n");
  w.Write(1, "----\t------\t----\t----\t-------\n");
  for (const json* e : items) {
    std::string first = server::TimestampSince(TimeOf(*e, "firstTimestamp"), now);
    int64_t count = Int(*e, "count");
    std::string interval =
        count > 1
            ? fmt::format("{} (x{} over {})",
                          server::TimestampSince(TimeOf(*e, "lastTimestamp"), now), count, first)
            : first;
    std::string source = Str(Field(*e, "source"), "component");
    if (source.empty()) source = Str(*e, "reportingComponent");
    std::string message = Str(*e, "message");
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.back()))) {
      message.pop_back();
    }
    while (!message.empty() && std::isspace(static_cast<unsigned char>(message.front()))) {
      message.erase(0, 1);
    }
    w.Write(1, "{}\t{}\t{}\t{}\t{}\n", Str(*e, "type"), Str(*e, "reason"), interval, source,
            message);
  }
}

}  // namespace

std::string DescribePod(const json& pod, const json& events, api::Time now, const json& probes) {
  Writer w;
  const json& meta = Field(pod, "metadata");
  const json& spec = Field(pod, "spec");
  const json& status = Field(pod, "status");
  w.Write(0, "Name:\t{}\n", Str(meta, "name"));
  w.Write(0, "Namespace:\t{}\n", Str(meta, "namespace"));
  std::string node = Str(spec, "nodeName");
  if (node.empty()) {
    w.Write(0, "Node:\t<none>\n");
  } else {
    w.Write(0, "Node:\t{}/{}\n", node, Str(status, "hostIP"));
  }
  if (auto start = TimeOf(status, "startTime")) {
    w.Write(0, "Start Time:\t{}\n", Rfc1123z(start));
  }
  WriteLabels(w, "Labels", Field(meta, "labels"));
  WriteAnnotations(w, Field(meta, "annotations"));
  if (auto deleted = TimeOf(meta, "deletionTimestamp")) {
    w.Write(0, "Status:\tTerminating (lasts {})\n", server::TimestampSince(deleted, now));
    w.Write(0, "Termination Grace Period:\t{}s\n", Int(meta, "deletionGracePeriodSeconds"));
  } else {
    w.Write(0, "Status:\t{}\n", Str(status, "phase"));
  }
  if (!Str(status, "reason").empty()) w.Write(0, "Reason:\t{}\n", Str(status, "reason"));
  if (!Str(status, "message").empty()) w.Write(0, "Message:\t{}\n", Str(status, "message"));
  w.Write(0, "IP:\t{}\n", Str(status, "podIP"));
  const json& ips = Field(status, "podIPs");
  if (!ips.is_array() || ips.empty()) {
    w.Write(0, "IPs:\t<none>\n");
  } else {
    w.Write(0, "IPs:\n");
    for (const json& ip : ips) w.Write(1, "IP:\t{}\n", Str(ip, "ip"));
  }
  if (const json& init = Field(spec, "initContainers"); init.is_array() && !init.empty()) {
    WriteContainers(w, "Init Containers", pod, init, Field(status, "initContainerStatuses"),
                    probes);
  }
  WriteContainers(w, "Containers", pod,
                  Field(spec, "containers").is_array() ? Field(spec, "containers") : json::array(),
                  Field(status, "containerStatuses"), probes);
  const json& conditions = Field(status, "conditions");
  if (const json& gates = Field(spec, "readinessGates"); gates.is_array() && !gates.empty()) {
    w.Write(0, "Readiness Gates:\n  Type\tStatus\n");
    for (const json& g : gates) {
      std::string type = Str(g, "conditionType");
      std::string st = "<none>";
      if (conditions.is_array()) {
        for (const json& c : conditions) {
          if (Str(c, "type") == type) {
            st = Str(c, "status");
            break;
          }
        }
      }
      w.Write(1, "{} \t{} \n", type, st);
    }
  }
  if (conditions.is_array() && !conditions.empty()) {
    w.Write(0, "Conditions:\n  Type\tStatus\n");
    for (const json& c : conditions) w.Write(1, "{} \t{} \n", Str(c, "type"), Str(c, "status"));
  }
  w.Write(0, "Volumes:\t<none>\n");
  // No resources are set on probelet's containers, so the QoS class is always BestEffort.
  w.Write(0, "QoS Class:\t{}\n",
          Str(status, "qosClass").empty() ? "BestEffort" : Str(status, "qosClass"));
  w.Write(0, "Node-Selectors:\t<none>\n");
  w.Write(0, "Tolerations:\t<none>\n");
  WriteEvents(w, events, now);
  return w.Done();
}

namespace {

// describe.go formatEndpoints for one port name: the ready "ip:port" pairs of `endpoints` (a
// v1 Endpoints), at most 3 then " + N more...", "<none>" when there is no subset.
std::string FormatServicePortEndpoints(const json& endpoints, const std::string& port_name) {
  const json& subsets = Field(endpoints, "subsets");
  if (!subsets.is_array() || subsets.empty()) return "<none>";
  constexpr size_t kMax = 3;
  std::vector<std::string> list;
  size_t count = 0;
  for (const json& ss : subsets) {
    const json& addresses = Field(ss, "addresses");
    if (!addresses.is_array()) continue;
    const json& ports = Field(ss, "ports");
    for (const json& port : ports.is_array() ? ports : json::array()) {
      if (Str(port, "name") != port_name) continue;
      for (const json& a : addresses) {
        if (list.size() < kMax) {
          list.push_back(base::JoinHostPort(Str(a, "ip"), static_cast<int>(Int(port, "port"))));
        }
        ++count;
      }
    }
  }
  std::string out;
  for (const auto& e : list) out += (out.empty() ? "" : ",") + e;
  if (count > kMax) out += fmt::format(" + {} more...", count - kMax);
  return out;
}

std::string JoinStrings(const json& list) {
  std::string out;
  for (const auto& s : StringList(list)) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::string DescribeService(const json& service, const json& endpoints, const json& events,
                            api::Time now) {
  Writer w;
  const json& meta = Field(service, "metadata");
  const json& spec = Field(service, "spec");
  w.Write(0, "Name:\t{}\n", Str(meta, "name"));
  w.Write(0, "Namespace:\t{}\n", Str(meta, "namespace"));
  WriteLabels(w, "Labels", Field(meta, "labels"));
  WriteAnnotations(w, Field(meta, "annotations"));
  // labels.FormatLabels: "k=v" sorted and comma-joined, "<none>" when empty.
  std::string selector;
  if (const json& sel = Field(spec, "selector"); sel.is_object()) {
    for (const auto& [k, v] : sel.items()) {
      selector += (selector.empty() ? "" : ",") + k + "=" +
                  (v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  w.Write(0, "Selector:\t{}\n", selector.empty() ? "<none>" : selector);
  w.Write(0, "Type:\t{}\n", Str(spec, "type"));
  if (!Str(spec, "ipFamilyPolicy").empty()) {
    w.Write(0, "IP Family Policy:\t{}\n", Str(spec, "ipFamilyPolicy"));
  }
  std::string families = JoinStrings(Field(spec, "ipFamilies"));
  w.Write(0, "IP Families:\t{}\n", families.empty() ? "<none>" : families);
  w.Write(0, "IP:\t{}\n", Str(spec, "clusterIP"));
  std::string ips = JoinStrings(Field(spec, "clusterIPs"));
  w.Write(0, "IPs:\t{}\n", ips.empty() ? "<none>" : ips);
  const json& ports = Field(spec, "ports");
  for (const json& p : ports.is_array() ? ports : json::array()) {
    std::string name = Str(p, "name").empty() ? "<unset>" : Str(p, "name");
    std::string protocol = Str(p, "protocol");
    w.Write(0, "Port:\t{}\t{}/{}\n", name, Int(p, "port"), protocol);
    w.Write(0, "TargetPort:\t{}/{}\n", IntOrStringText(Field(p, "targetPort")), protocol);
    if (Int(p, "nodePort") != 0) {
      w.Write(0, "NodePort:\t{}\t{}/{}\n", name, Int(p, "nodePort"), protocol);
    }
    w.Write(0, "Endpoints:\t{}\n", FormatServicePortEndpoints(endpoints, Str(p, "name")));
  }
  w.Write(0, "Session Affinity:\t{}\n", Str(spec, "sessionAffinity"));
  if (!Str(spec, "externalTrafficPolicy").empty()) {
    w.Write(0, "External Traffic Policy:\t{}\n", Str(spec, "externalTrafficPolicy"));
  }
  if (!Str(spec, "internalTrafficPolicy").empty()) {
    w.Write(0, "Internal Traffic Policy:\t{}\n", Str(spec, "internalTrafficPolicy"));
  }
  WriteEvents(w, events, now);
  return w.Done();
}

}  // namespace probelet::cli
