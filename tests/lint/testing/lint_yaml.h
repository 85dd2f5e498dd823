// Test helpers for src/lint/: load a manifest from text exactly as `probelet lint` does
// (api::LoadPodsFromText, then a SourceLines index of the same text) and lint it.
//
// Header-only; used on the test's thread.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "api/manifest_loader.h"
#include "api/uid.h"
#include "lint/linter.h"
#include "lint/source_lines.h"

namespace probelet::lint::testing {

inline constexpr const char* kFile = "pod.yaml";

// Lints `yaml` as the file pod.yaml; the manifest is expected to be valid.
inline LintReport LintYaml(std::string_view yaml, const LintOptions& options = {}) {
  api::UidGenerator uids(1);
  api::LoadResult loaded = api::LoadPodsFromText(yaml, api::ManifestFormat::kYaml, kFile, uids);
  for (const auto& d : loaded.diagnostics) ADD_FAILURE() << d.ToString();
  SourceLines lines;
  lines.AddFile(kFile, yaml);
  return Lint(loaded, lines, options);
}

// A pod "web" (labels app: web) with one container "app" running `sleep 1000`; `fields` are
// more lines of that container, indented by four spaces.
inline std::string PodYaml(std::string_view fields, std::string_view spec = "") {
  return "apiVersion: v1\n"
         "kind: Pod\n"
         "metadata:\n"
         "  name: web\n"
         "  labels: {app: web}\n"
         "spec:\n" +
         std::string(spec) +
         "  containers:\n"
         "  - name: app\n"
         "    command: [sleep, \"1000\"]\n" +
         std::string(fields);
}

// The codes of the findings, in order.
inline std::vector<std::string> Codes(const LintReport& report) {
  std::vector<std::string> codes;
  for (const auto& f : report.findings) codes.push_back(f.code);
  return codes;
}

// The first finding with `code`, or nullptr.
inline const Finding* FindingWith(const LintReport& report, std::string_view code) {
  for (const auto& f : report.findings) {
    if (f.code == code) return &f;
  }
  return nullptr;
}

}  // namespace probelet::lint::testing
