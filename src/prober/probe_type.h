// ProbeType: liveness, readiness or startup (the kubelet's prober_manager.go probeType).
//
// Value type; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace probelet::prober {

// The kubelet's numeric values (§0.3): liveness = 0, readiness = 1, startup = 2.
enum class ProbeType : uint8_t { kLiveness = 0, kReadiness = 1, kStartup = 2 };

inline constexpr ProbeType kAllProbeTypes[] = {ProbeType::kLiveness, ProbeType::kReadiness,
                                               ProbeType::kStartup};

// "Liveness", "Readiness", "Startup"; "UNKNOWN" for any other value (§0.3). This is the form
// used in event messages and in the probe_type metric label.
constexpr std::string_view ToString(ProbeType t) {
  switch (t) {
    case ProbeType::kLiveness:
      return "Liveness";
    case ProbeType::kReadiness:
      return "Readiness";
    case ProbeType::kStartup:
      return "Startup";
  }
  return "UNKNOWN";
}

}  // namespace probelet::prober
