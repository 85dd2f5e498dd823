#include "lint/codes.h"

#include <array>

namespace probelet::lint {
namespace {

constexpr std::array kCodes = {
    CodeInfo{kUnknownDisabledCode, Severity::kInfo, "lint-disable annotation names no lint code"},
    CodeInfo{kLivenessSameAsReadiness, Severity::kWarning,
             "liveness and readiness probes are the same: a readiness failure also restarts"},
    CodeInfo{kLivenessBeforeReadiness, Severity::kWarning,
             "liveness gives up no later than readiness: restarted before taken out of traffic"},
    CodeInfo{kTimeoutOverPeriod, Severity::kWarning,
             "timeoutSeconds > periodSeconds: the probe runs at the timeout, not the period"},
    CodeInfo{kSlowStartKilled, Severity::kWarning,
             "no startupProbe and a liveness probe that decides within 10s: slow starts killed"},
    CodeInfo{kStartupBudgetTooLong, Severity::kWarning,
             "startup probe budget over 10 minutes: a hung start is noticed late"},
    CodeInfo{kStartupBudgetTooShort, Severity::kWarning,
             "startup probe budget shorter than liveness's first decision"},
    CodeInfo{kExecBackground, Severity::kWarning,
             "exec probe shell backgrounds a process (&): every attempt times out"},
    CodeInfo{kExecSleepOverTimeout, Severity::kWarning,
             "exec probe sleeps at least its timeout: every attempt times out"},
    CodeInfo{kProbePortUndeclared, Severity::kWarning,
             "probe port that no container of the pod declares"},
    CodeInfo{kProbePortUnchecked, Severity::kInfo,
             "probe port not checked: no container of the pod declares any port"},
    CodeInfo{kProbeHostElsewhere, Severity::kWarning,
             "probe host is not the pod: it checks a dependency, not the container"},
    CodeInfo{kServiceWithoutReadiness, Severity::kWarning,
             "a Service sends traffic to a container with liveness but no readiness probe"},
    CodeInfo{kProbeGraceOverPod, Severity::kWarning,
             "probe terminationGracePeriodSeconds longer than the pod's"},
    CodeInfo{kProbeGraceCutsPreStop, Severity::kWarning,
             "probe terminationGracePeriodSeconds no longer than the preStop sleep"},
    CodeInfo{kServiceTargetPortUndeclared, Severity::kWarning,
             "a Service targets a named port that no container of the pod declares"},
};

}  // namespace

std::span<const CodeInfo> AllCodes() { return kCodes; }

const CodeInfo* FindCode(std::string_view code) {
  for (const auto& info : kCodes) {
    if (info.code == code) return &info;
  }
  return nullptr;
}

}  // namespace probelet::lint
