// Finding: one result of `probelet lint`, tied to a container of a pod and a line of its
// manifest, with a stable code (codes.h) and the consequence in the manifest's own numbers.
//
// Value type; pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace probelet::lint {

// Warnings make `probelet lint` exit 1; infos are printed and do not.
enum class Severity { kInfo, kWarning };

std::string_view SeverityName(Severity severity);  // "info", "warning"

struct Finding {
  std::string file;  // the manifest the pod came from ("-" for stdin)
  int line = 0;      // 1-based line of `field` (or of its nearest parent found) in `file`
  std::string namespace_;
  std::string pod;
  std::string container;  // may be empty for a finding about the whole pod
  std::string code;       // "PL002"
  Severity severity = Severity::kWarning;
  std::string message;
  std::string field;  // field path the line is taken from: "spec.containers[0].livenessProbe"

  // `FILE:LINE: NAMESPACE/POD/CONTAINER: CODE SEVERITY: message`
  std::string ToString() const;
  friend bool operator==(const Finding&, const Finding&) = default;
};

}  // namespace probelet::lint
