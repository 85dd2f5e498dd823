// Scenario parsing: yaml-cpp's node tree, walked field by field so that every error names the
// field it is about; unknown fields are errors too (a typo must not pass as "no behaviour").
#include "sim/scenario.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <set>

#include "base/go_duration.h"

namespace probelet::sim {

bool Window::Contains(base::Duration t) const {
  if (t < from) return false;
  base::Duration into = t - from;
  if (every) into %= *every;
  return into < length;
}

const ProbeBehaviour& ContainerBehaviour::probe(prober::ProbeType type) const {
  switch (type) {
    case prober::ProbeType::kLiveness:
      return liveness;
    case prober::ProbeType::kReadiness:
      return readiness;
    case prober::ProbeType::kStartup:
      break;
  }
  return startup_probe;
}

ProbeAnswer Answer(const ContainerBehaviour& b, prober::ProbeType type, base::Duration since_start,
                   int restart) {
  const ProbeBehaviour& p = b.probe(type);
  ProbeAnswer a;
  a.latency = p.latency.value_or(b.probe_latency);
  if (since_start < b.startup) {
    a.listening = false;
    return a;
  }
  if (restart > 0 && b.after_restart == AfterRestart::kHealthy) return a;
  for (const Window& w : p.fail) {
    if (!w.Contains(since_start)) continue;
    if (w.latency) {
      a.latency = std::max(a.latency, *w.latency);
    } else {
      a.healthy = false;
    }
  }
  return a;
}

std::optional<ExitAfter> ExitOf(const ContainerBehaviour& b, int restart) {
  if (restart > 0 && b.after_restart == AfterRestart::kHealthy) return std::nullopt;
  return b.exit_after;
}

const ContainerBehaviour& Scenario::Find(std::string_view pod, std::string_view container) const {
  static const ContainerBehaviour kWellBehaved;
  std::string key = std::string(pod) + "/" + std::string(container);
  if (auto it = containers.find(key); it != containers.end()) return it->second;
  if (auto it = containers.find(std::string(container)); it != containers.end()) return it->second;
  return kWellBehaved;
}

namespace {

// Collects errors as "FIELD.PATH: message".
class Parser {
 public:
  std::vector<std::string> errors;

  void Fail(const std::string& field, const std::string& message) {
    errors.push_back(field + ": " + message);
  }

  // A map node with only `allowed` keys; false (with an error) otherwise.
  bool Map(const YAML::Node& n, const std::string& field, std::set<std::string> allowed) {
    if (!n.IsMap()) {
      Fail(field, "must be a map");
      return false;
    }
    for (const auto& kv : n) {
      std::string key = kv.first.as<std::string>();
      if (allowed.count(key) == 0) Fail(Join(field, key), "unknown field");
    }
    return true;
  }

  static std::string Join(const std::string& field, const std::string& key) {
    return field.empty() ? key : field + "." + key;
  }

  // A duration: a Go duration string or a number of seconds; >= 0 (> 0 with `positive`).
  std::optional<base::Duration> Duration(const YAML::Node& n, const std::string& field,
                                         bool positive = false) {
    if (!n.IsScalar()) {
      Fail(field, "must be a duration such as 30s, 2m, 1h30m or a number of seconds");
      return std::nullopt;
    }
    std::string text = n.Scalar();
    std::optional<base::Duration> d;
    char* end = nullptr;
    double secs = std::strtod(text.c_str(), &end);
    if (!text.empty() && end != nullptr && *end == '\0') {
      d = std::chrono::duration_cast<base::Duration>(std::chrono::duration<double>(secs));
    } else if (auto parsed = base::ParseGoDuration(text); parsed.ok()) {
      d = *parsed;
    } else {
      Fail(field, "invalid duration \"" + text + "\" (e.g. 30s, 2m, 1h30m, or seconds)");
      return std::nullopt;
    }
    if (*d < base::Duration::zero() || (positive && *d == base::Duration::zero())) {
      Fail(field, positive ? "must be greater than 0" : "must not be negative");
      return std::nullopt;
    }
    return d;
  }

  std::optional<int> Int(const YAML::Node& n, const std::string& field) {
    int v = 0;
    if (!n.IsScalar() || !YAML::convert<int>::decode(n, v)) {
      Fail(field, "must be an integer");
      return std::nullopt;
    }
    return v;
  }

  Window ParseWindow(const YAML::Node& n, const std::string& field) {
    Window w;
    if (!Map(n, field, {"from", "for", "every", "latency"})) return w;
    if (n["from"]) w.from = Duration(n["from"], field + ".from").value_or(w.from);
    if (!n["for"]) {
      Fail(field + ".for", "required");
    } else {
      w.length = Duration(n["for"], field + ".for", true).value_or(w.length);
    }
    if (n["every"]) {
      w.every = Duration(n["every"], field + ".every", true);
      if (w.every && *w.every <= w.length) {
        Fail(field + ".every", "must be longer than `for` (the window would never end)");
      }
    }
    if (n["latency"]) w.latency = Duration(n["latency"], field + ".latency");
    return w;
  }

  ProbeBehaviour ParseProbe(const YAML::Node& n, const std::string& field) {
    ProbeBehaviour p;
    if (!Map(n, field, {"fail", "latency"})) return p;
    if (n["latency"]) p.latency = Duration(n["latency"], field + ".latency");
    if (const YAML::Node& f = n["fail"]) {
      if (!f.IsSequence()) {
        Fail(field + ".fail", "must be a list of windows such as {from: 2m, for: 30s}");
      } else {
        for (size_t i = 0; i < f.size(); ++i) {
          p.fail.push_back(ParseWindow(f[i], field + ".fail[" + std::to_string(i) + "]"));
        }
      }
    }
    return p;
  }

  ContainerBehaviour ParseContainer(const YAML::Node& n, const std::string& field) {
    ContainerBehaviour b;
    if (!Map(n, field,
             {"startupSeconds", "exitAfter", "shutdownSeconds", "probeLatency", "afterRestart",
              "liveness", "readiness", "startup"})) {
      return b;
    }
    if (n["startupSeconds"]) {
      b.startup = Duration(n["startupSeconds"], field + ".startupSeconds").value_or(b.startup);
    }
    if (const YAML::Node& e = n["exitAfter"]) {
      std::string f = field + ".exitAfter";
      if (Map(e, f, {"after", "code"})) {
        ExitAfter x;
        if (!e["after"]) {
          Fail(f + ".after", "required");
        } else {
          x.after = Duration(e["after"], f + ".after").value_or(x.after);
        }
        if (e["code"]) x.code = Int(e["code"], f + ".code").value_or(0);
        if (x.code < 0 || x.code > 255) Fail(f + ".code", "must be between 0 and 255");
        b.exit_after = x;
      }
    }
    if (n["shutdownSeconds"]) {
      b.shutdown = Duration(n["shutdownSeconds"], field + ".shutdownSeconds").value_or(b.shutdown);
    }
    if (n["probeLatency"]) {
      b.probe_latency =
          Duration(n["probeLatency"], field + ".probeLatency").value_or(b.probe_latency);
    }
    if (const YAML::Node& a = n["afterRestart"]) {
      std::string v = a.IsScalar() ? a.Scalar() : "";
      if (v == "repeat") {
        b.after_restart = AfterRestart::kRepeat;
      } else if (v == "healthy") {
        b.after_restart = AfterRestart::kHealthy;
      } else {
        Fail(field + ".afterRestart", "must be repeat or healthy");
      }
    }
    if (n["liveness"]) b.liveness = ParseProbe(n["liveness"], field + ".liveness");
    if (n["readiness"]) b.readiness = ParseProbe(n["readiness"], field + ".readiness");
    if (n["startup"]) b.startup_probe = ParseProbe(n["startup"], field + ".startup");
    return b;
  }
};

}  // namespace

base::Expected<Scenario> ParseScenario(std::string_view text, std::string_view source) {
  const std::string prefix = std::string(source) + ": ";
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return base::Error{prefix + "line " + std::to_string(e.mark.line + 1) + ": " + e.msg};
  }
  Parser p;
  Scenario s;
  if (!root || root.IsNull()) {
    p.Fail("containers", "required");
  } else if (p.Map(root, "", {"containers"})) {
    const YAML::Node& cs = root["containers"];
    if (!cs) {
      p.Fail("containers", "required");
    } else if (!cs.IsMap()) {
      p.Fail("containers", "must be a map from container name to its behaviour");
    } else {
      for (const auto& kv : cs) {
        std::string name = kv.first.as<std::string>();
        s.containers[name] = p.ParseContainer(kv.second, "containers." + name);
      }
    }
  }
  if (!p.errors.empty()) {
    std::string msg;
    for (const auto& e : p.errors) msg += (msg.empty() ? "" : "\n") + prefix + e;
    return base::Error{msg};
  }
  return s;
}

}  // namespace probelet::sim
