#include "sim/report.h"

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/go_duration.h"

namespace probelet::sim {
namespace {

double Seconds(base::Duration d) { return std::chrono::duration<double>(d).count(); }

// Go's duration text, rounded to the millisecond ("2m10s", "1.5s").
std::string Short(base::Duration d) {
  return base::FormatGoDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

std::string EndState(const PodSummary& p) {
  std::string looping;
  for (const auto& c : p.containers) {
    if (c.reason == "CrashLoopBackOff") looping += (looping.empty() ? "" : ",") + c.name;
  }
  if (!looping.empty()) return "CrashLoopBackOff (" + looping + ")";
  std::string state = p.phase;
  for (const auto& c : p.containers) {
    if (c.state != "running") {
      state += " " + c.name + ":" + c.state + (c.reason.empty() ? "" : "/" + c.reason);
    }
  }
  return state;
}

std::string Percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", fraction * 100);
  return buf;
}

}  // namespace

std::string FormatOffset(base::Duration at, bool hours) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at).count();
  char buf[48];
  const long long h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60, f = ms % 1000;
  if (hours) {
    std::snprintf(buf, sizeof buf, "T+%02lld:%02lld:%02lld.%03lld", h, m, s, f);
  } else {
    std::snprintf(buf, sizeof buf, "T+%02lld:%02lld.%03lld", h * 60 + m, s, f);
  }
  return buf;
}

std::string FormatText(const SimulationResult& result) {
  const bool hours = result.duration >= std::chrono::hours(1);
  std::string out;
  for (const auto& e : result.timeline) {
    char reason[16];
    std::snprintf(reason, sizeof reason, "%-9s", e.reason.c_str());
    out += FormatOffset(e.at, hours) + "  " + reason + "  " + e.pod +
           (e.container.empty() ? "" : "/" + e.container) + "  " + e.message + "\n";
  }
  if (!result.timeline.empty()) out += "\n";
  std::vector<std::vector<std::string>> rows = {
      {"POD", "RESTARTS", "FIRST READY", "READY", "LONGEST NOT READY", "AT THE END"}};
  for (const auto& p : result.pods) {
    rows.push_back({p.pod, std::to_string(p.restarts),
                    p.first_ready ? FormatOffset(*p.first_ready, hours) : "never",
                    Percent(p.ready_fraction), Short(p.longest_not_ready), EndState(p)});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    out += line + "\n";
  }
  out += "simulated " + Short(result.duration) + ", " + std::to_string(result.events) +
         " events, " + std::to_string(result.pods.size()) + " pod(s)\n";
  return out;
}

std::string FormatJson(const SimulationResult& result, uint64_t seed) {
  const bool hours = result.duration >= std::chrono::hours(1);
  nlohmann::ordered_json j;
  j["durationSeconds"] = Seconds(result.duration);
  j["seed"] = seed;
  j["eventCount"] = result.events;
  j["timeline"] = nlohmann::ordered_json::array();
  for (const auto& e : result.timeline) {
    j["timeline"].push_back({{"at", FormatOffset(e.at, hours)},
                             {"atSeconds", Seconds(e.at)},
                             {"pod", e.pod},
                             {"container", e.container},
                             {"type", e.type},
                             {"reason", e.reason},
                             {"message", e.message}});
  }
  j["pods"] = nlohmann::ordered_json::array();
  for (const auto& p : result.pods) {
    nlohmann::ordered_json pj;
    pj["pod"] = p.pod;
    pj["restarts"] = p.restarts;
    pj["firstReadySeconds"] =
        p.first_ready ? nlohmann::ordered_json(Seconds(*p.first_ready)) : nullptr;
    pj["readyFraction"] = p.ready_fraction;
    pj["longestNotReadySeconds"] = Seconds(p.longest_not_ready);
    pj["crashLoop"] = p.crash_loop;
    pj["phase"] = p.phase;
    pj["containers"] = nlohmann::ordered_json::array();
    for (const auto& c : p.containers) {
      pj["containers"].push_back({{"name", c.name},
                                  {"restarts", c.restarts},
                                  {"ready", c.ready},
                                  {"state", c.state},
                                  {"reason", c.reason}});
    }
    j["pods"].push_back(std::move(pj));
  }
  return j.dump(2) + "\n";
}

}  // namespace probelet::sim
