// The codes of `probelet lint`: stable identifiers a user can disable (`--disable PL004`, or the
// pod annotation `probelet.dev/lint-disable: PL004`), each with one fixed severity. docs/lint.md
// explains each with its threshold; a code is never reused for another meaning.
//
// Constant data; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "lint/finding.h"

namespace probelet::lint {

inline constexpr std::string_view kUnknownDisabledCode = "PL000";          // annotation typo
inline constexpr std::string_view kLivenessSameAsReadiness = "PL001";      // same handler+numbers
inline constexpr std::string_view kLivenessBeforeReadiness = "PL002";      // F x P <= readiness's
inline constexpr std::string_view kTimeoutOverPeriod = "PL003";            // timeout > period
inline constexpr std::string_view kSlowStartKilled = "PL004";              // no startupProbe, fast
inline constexpr std::string_view kStartupBudgetTooLong = "PL005";         // > 10 minutes
inline constexpr std::string_view kStartupBudgetTooShort = "PL006";        // < liveness alone
inline constexpr std::string_view kExecBackground = "PL007";               // `&` in a shell probe
inline constexpr std::string_view kExecSleepOverTimeout = "PL008";         // sleep >= timeout
inline constexpr std::string_view kProbePortUndeclared = "PL009";          // port of no container
inline constexpr std::string_view kProbePortUnchecked = "PL010";           // pod declares no port
inline constexpr std::string_view kProbeHostElsewhere = "PL011";           // host: not the pod
inline constexpr std::string_view kServiceWithoutReadiness = "PL012";      // liveness, no readiness
inline constexpr std::string_view kProbeGraceOverPod = "PL013";            // probe grace > pod's
inline constexpr std::string_view kProbeGraceCutsPreStop = "PL014";        // preStop sleep >= grace
inline constexpr std::string_view kServiceTargetPortUndeclared = "PL015";  // named targetPort

// The annotation on a pod that silences codes for that pod: `PL004` or `PL004,PL012`.
inline constexpr std::string_view kLintDisableAnnotation = "probelet.dev/lint-disable";

struct CodeInfo {
  std::string_view code;
  Severity severity;
  std::string_view summary;  // a short phrase, for --help and docs
};

// Every code, in code order.
std::span<const CodeInfo> AllCodes();

// The code's entry, or nullptr for a code lint does not have.
const CodeInfo* FindCode(std::string_view code);

}  // namespace probelet::lint
