#include "lint/check_context.h"

#include "lint/codes.h"

namespace probelet::lint {

std::string_view ProbeKindName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness:
      return "liveness";
    case ProbeKind::kReadiness:
      return "readiness";
    case ProbeKind::kStartup:
      return "startup";
  }
  return "";
}

std::string_view ProbeFieldName(ProbeKind kind) {
  switch (kind) {
    case ProbeKind::kLiveness:
      return "livenessProbe";
    case ProbeKind::kReadiness:
      return "readinessProbe";
    case ProbeKind::kStartup:
      return "startupProbe";
  }
  return "";
}

const api::Probe* ProbeOf(const api::Container& container, ProbeKind kind) {
  const std::optional<api::Probe>* probe = kind == ProbeKind::kLiveness ? &container.liveness_probe
                                           : kind == ProbeKind::kReadiness
                                               ? &container.readiness_probe
                                               : &container.startup_probe;
  return probe->has_value() ? &**probe : nullptr;
}

std::string ProbePath(const ContainerContext& context, ProbeKind kind) {
  return context.path + "." + std::string(ProbeFieldName(kind));
}

int64_t FailureSeconds(const api::Probe& probe) {
  return int64_t{probe.failure_threshold} * probe.period_seconds;
}

int64_t FirstDecisionSeconds(const api::Probe& probe) {
  return probe.initial_delay_seconds + FailureSeconds(probe);
}

std::string Seconds(int64_t seconds) { return std::to_string(seconds) + "s"; }

std::string FailureWindow(const api::Probe& probe) {
  return std::to_string(probe.failure_threshold) + " x " + Seconds(probe.period_seconds) + " = " +
         Seconds(FailureSeconds(probe));
}

std::string FirstDecision(const api::Probe& probe) {
  if (probe.initial_delay_seconds == 0) return FailureWindow(probe);
  return Seconds(probe.initial_delay_seconds) + " + " + std::to_string(probe.failure_threshold) +
         " x " + Seconds(probe.period_seconds) + " = " + Seconds(FirstDecisionSeconds(probe));
}

std::string AlwaysFailingConsequence(ProbeKind kind, const api::Probe& probe) {
  switch (kind) {
    case ProbeKind::kLiveness:
      return "the liveness probe restarts the container after " + FirstDecision(probe) +
             ", again and again";
    case ProbeKind::kReadiness:
      return "the container never becomes ready";
    case ProbeKind::kStartup:
      return "the container never counts as started and is restarted after " + FirstDecision(probe);
  }
  return "";
}

Finding MakeFinding(const ContainerContext& context, std::string_view code, std::string field,
                    std::string message) {
  Finding f;
  f.container = context.container.name;
  f.code = std::string(code);
  const CodeInfo* info = FindCode(code);
  f.severity = info ? info->severity : Severity::kWarning;
  f.field = std::move(field);
  f.message = std::move(message);
  return f;
}

}  // namespace probelet::lint
