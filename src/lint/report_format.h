// How `probelet lint` prints its result: the load's diagnostics exactly as `probelet validate`
// prints them (api::Diagnostic::ToString), then one line per finding (Finding::ToString); or
// all of it as one JSON object:
//   {"diagnostics": [{"file", "object", "severity": "error"|"warning", "message"}],
//    "findings": [{"file", "line", "namespace", "pod", "container", "code",
//                  "severity": "warning"|"info", "message", "field"}],
//    "summary": {"pods", "errors", "warnings", "infos"}}
// where summary.errors and summary.warnings count the diagnostics' errors and the warnings of
// both.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/manifest.h"
#include "lint/linter.h"

namespace probelet::lint {

std::string FormatText(const std::vector<api::Diagnostic>& diagnostics, const LintReport& report);

// "2 pod(s) linted: 1 error(s), 3 warning(s), 1 info(s)\n"
std::string FormatSummary(const std::vector<api::Diagnostic>& diagnostics,
                          const LintReport& report);

std::string FormatJson(const std::vector<api::Diagnostic>& diagnostics, const LintReport& report);

}  // namespace probelet::lint
