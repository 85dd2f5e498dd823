// Helpers for the simulation tests: pods from YAML text (decoded, defaulted and validated as
// `probelet run` loads them) and a scenario from YAML, failing the test on any error.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "api/manifest_loader.h"
#include "api/uid.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace probelet::sim::testing {

inline std::vector<api::Pod> PodsFromYaml(std::string_view yaml) {
  api::UidGenerator uids(7);
  api::LoadResult r = api::LoadPodsFromText(yaml, api::ManifestFormat::kYaml, "pod.yaml", uids);
  for (const auto& d : r.diagnostics) ADD_FAILURE() << d.ToString();
  std::vector<api::Pod> pods;
  for (auto& p : r.pods) pods.push_back(std::move(p.pod));
  return pods;
}

inline Scenario ScenarioFromYaml(std::string_view yaml) {
  auto s = ParseScenario(yaml, "scenario.yaml");
  if (!s.ok()) {
    ADD_FAILURE() << s.error().message;
    return {};
  }
  return *s;
}

// The entries of `result` with `reason`, optionally of one container.
inline std::vector<TimelineEntry> Entries(const SimulationResult& result, std::string_view reason) {
  std::vector<TimelineEntry> out;
  for (const auto& e : result.timeline) {
    if (e.reason == reason) out.push_back(e);
  }
  return out;
}

inline double Seconds(base::Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace probelet::sim::testing
