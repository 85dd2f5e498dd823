// The checks on a container's probe numbers (docs/lint.md): how liveness, readiness and startup
// relate in time, with the kubelet's semantics (probe-semantics.md): a probe acts after
// failureThreshold consecutive failures, one per periodSeconds; liveness and readiness wait for
// the startup probe to succeed; the worker keeps one pending tick while an attempt runs.
//
// PL001 liveness and readiness the same; PL002 liveness gives up no later than readiness;
// PL003 timeoutSeconds > periodSeconds; PL004 no startup probe and liveness decides within
// kSlowStartSeconds; PL005 startup budget over kMaxStartupBudgetSeconds; PL006 startup budget
// shorter than liveness's first decision.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "lint/check_context.h"
#include "lint/finding.h"

namespace probelet::lint {

// PL004: a liveness probe that can kill a container this soon after it starts, with no startup
// probe to hold it back, kills a start that is merely slow (a cold JVM, a cache warm-up).
inline constexpr int64_t kSlowStartSeconds = 10;
// PL004's suggestion: a startup probe that allows this long to start.
inline constexpr int64_t kSuggestedStartupSeconds = 60;
// PL005: a start that hangs is noticed only after the startup probe's budget.
inline constexpr int64_t kMaxStartupBudgetSeconds = 600;

std::vector<Finding> CheckProbeTiming(const ContainerContext& context);

}  // namespace probelet::lint
