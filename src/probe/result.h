// The outcome of one probe attempt, as the kubelet's probe handlers report it
// (pkg/probe/probe.go): a Result, the output users see in events, and an error only when the
// probe could not be run at all (§4.2.4: prober.go runProbeWithRetries retries such attempts,
// then worker.go doProbe discards them).
//
// Value types.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace probelet::probe {

enum class Result {
  kSuccess,
  kWarning,  // logically a success, with debugging output attached (HTTP 3xx)
  kFailure,
  kUnknown,
};

// "success", "warning", "failure", "unknown": the kubelet's string values.
constexpr std::string_view ToString(Result r) {
  switch (r) {
    case Result::kSuccess:
      return "success";
    case Result::kWarning:
      return "warning";
    case Result::kFailure:
      return "failure";
    case Result::kUnknown:
      return "unknown";
  }
  return "unknown";
}

struct Outcome {
  Result result = Result::kUnknown;
  std::string output;
  // Set only when the probe could not be run (bad port, spawn failure, body read error).
  std::optional<std::string> error;
};

// Called exactly once per probe, on the event loop thread, never from inside the call that
// started the probe.
using OutcomeCallback = std::function<void(Outcome)>;

}  // namespace probelet::probe
