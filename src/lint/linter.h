// Lint: the loaded pods and services of some manifests (api::LoadPods: decoded, defaulted,
// valid) -> the findings of every check (codes.h, docs/lint.md), each placed on its line.
//
// Every regular container and every sidecar (restartable init container) of every pod is
// checked; the Services that select a pod come from the same load. A code is dropped when
// `options.disabled` holds it, or for one pod when its annotation `probelet.dev/lint-disable`
// lists it (comma-separated); an annotation naming no known code is itself a finding (PL000).
// Findings come pod by pod in load order, each pod's by line (then container, then check).
//
// Pure function over its inputs; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "api/manifest_loader.h"
#include "lint/finding.h"
#include "lint/source_lines.h"

namespace probelet::lint {

struct LintOptions {
  std::set<std::string, std::less<>> disabled;  // codes not to report ("PL004")
};

struct LintReport {
  std::vector<Finding> findings;
  size_t pods = 0;  // pods linted
  size_t warnings() const;
  size_t infos() const;
};

LintReport Lint(const api::LoadResult& loaded, const SourceLines& lines,
                const LintOptions& options = {});

}  // namespace probelet::lint
