#include "lint/probe_timing_checks.h"

#include "lint/codes.h"

namespace probelet::lint {
namespace {

void SameAsReadinessOrBefore(const ContainerContext& c, std::vector<Finding>& out) {
  const api::Probe* live = ProbeOf(c.container, ProbeKind::kLiveness);
  const api::Probe* ready = ProbeOf(c.container, ProbeKind::kReadiness);
  if (!live || !ready) return;
  if (live->handler == ready->handler && live->failure_threshold == ready->failure_threshold &&
      live->period_seconds == ready->period_seconds &&
      live->timeout_seconds == ready->timeout_seconds) {
    out.push_back(MakeFinding(
        c, kLivenessSameAsReadiness, ProbePath(c, ProbeKind::kLiveness),
        "liveness and readiness probes are the same check with the same thresholds (" +
            FailureWindow(*live) +
            "): a failure that should only take the container out of traffic also restarts it "
            "after " +
            Seconds(FailureSeconds(*live)) +
            "; give liveness a cheaper check or a longer failureThreshold x periodSeconds"));
    return;  // PL002 would say the same again
  }
  if (FailureSeconds(*live) <= FailureSeconds(*ready)) {
    out.push_back(
        MakeFinding(c, kLivenessBeforeReadiness, ProbePath(c, ProbeKind::kLiveness),
                    "liveness fails after " + FailureWindow(*live) + " but readiness only after " +
                        FailureWindow(*ready) +
                        ": the container is restarted before it is taken out of traffic"));
  }
}

void TimeoutOverPeriod(const ContainerContext& c, std::vector<Finding>& out) {
  for (ProbeKind kind : {ProbeKind::kLiveness, ProbeKind::kReadiness, ProbeKind::kStartup}) {
    const api::Probe* p = ProbeOf(c.container, kind);
    if (!p || p->timeout_seconds <= p->period_seconds) continue;
    api::Probe slow = *p;
    slow.period_seconds = p->timeout_seconds;
    out.push_back(MakeFinding(
        c, kTimeoutOverPeriod, ProbePath(c, kind),
        std::string(ProbeKindName(kind)) + " timeoutSeconds " + Seconds(p->timeout_seconds) +
            " > periodSeconds " + Seconds(p->period_seconds) +
            ": a slow attempt outlasts the next tick (one tick is kept pending, the rest "
            "dropped), so slow attempts run every " +
            Seconds(p->timeout_seconds) + " and the probe acts after " + FailureWindow(slow) +
            ", not " + FailureWindow(*p)));
  }
}

void StartupBudget(const ContainerContext& c, std::vector<Finding>& out) {
  const api::Probe* live = ProbeOf(c.container, ProbeKind::kLiveness);
  const api::Probe* startup = ProbeOf(c.container, ProbeKind::kStartup);
  if (live && !startup && FirstDecisionSeconds(*live) < kSlowStartSeconds) {
    int64_t period = live->period_seconds > 0 ? live->period_seconds : 1;
    int64_t threshold = (kSuggestedStartupSeconds + period - 1) / period;
    out.push_back(MakeFinding(
        c, kSlowStartKilled, ProbePath(c, ProbeKind::kLiveness),
        "no startupProbe, and liveness kills a container not answering within " +
            FirstDecision(*live) + " of its start (under " + Seconds(kSlowStartSeconds) +
            "): a slow start is killed and restarted in a loop; add a startupProbe with the "
            "same check, periodSeconds: " +
            std::to_string(period) + " and failureThreshold: " + std::to_string(threshold) +
            " (up to " + Seconds(threshold * period) + " to start)"));
  }
  if (!startup) return;
  int64_t budget = FirstDecisionSeconds(*startup);
  if (budget > kMaxStartupBudgetSeconds) {
    out.push_back(
        MakeFinding(c, kStartupBudgetTooLong, ProbePath(c, ProbeKind::kStartup),
                    "startup probe allows " + FirstDecision(*startup) + " to start (over " +
                        Seconds(kMaxStartupBudgetSeconds) +
                        "): a container that hangs while starting is restarted only after " +
                        Seconds(budget) + ", and is out of traffic all that time"));
  }
  if (live && budget < FirstDecisionSeconds(*live)) {
    out.push_back(MakeFinding(
        c, kStartupBudgetTooShort, ProbePath(c, ProbeKind::kStartup),
        "startup probe gives up after " + FirstDecision(*startup) +
            ", sooner than the liveness probe alone would (" + FirstDecision(*live) +
            "): it kills slow starts that it is there to protect; allow at least " +
            Seconds(FirstDecisionSeconds(*live)) + " (failureThreshold x periodSeconds)"));
  }
}

}  // namespace

std::vector<Finding> CheckProbeTiming(const ContainerContext& context) {
  std::vector<Finding> out;
  SameAsReadinessOrBefore(context, out);
  TimeoutOverPeriod(context, out);
  StartupBudget(context, out);
  return out;
}

}  // namespace probelet::lint
