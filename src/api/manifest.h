// DecodeManifest: the text of one manifest file -> the Pods and Services it holds, with a
// diagnostic for every problem, each tied to its object. What `probelet validate` and `probelet
// run` read.
//
// Accepted: `kind: Pod` and `kind: Service` (apiVersion v1), `kind: List` whose items are Pods
// or Services, `kind: PodList` whose items are Pods, in YAML
// (several documents separated by `---`) or JSON. Refused with an error: workload kinds
// (Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job, CronJob: only
// Pods are run; the error names `.spec.template` as the part to take), any other kind, a
// document that is not an object, and everything ParseManifest and DecodePod refuse.
//
// Decoding only: no defaults, no validation (manifest_loader.h does the three steps).
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/manifest_format.h"
#include "api/pod.h"
#include "api/service.h"

namespace probelet::api {

struct Diagnostic {
  enum class Severity { kWarning, kError };
  Severity severity = Severity::kError;
  std::string source;   // the file ("-" for stdin); may be empty
  std::string object;   // `pod "web"`, or `document 2` when the object has no name
  std::string message;  // "spec.containers[0].name: Required value"

  // `<source>: <object>: <message>`, warnings with "warning: " before the message.
  std::string ToString() const;
  friend bool operator==(const Diagnostic&, const Diagnostic&) = default;
};

struct DecodedPod {
  Pod pod;
  std::string object;  // as Diagnostic::object
  // The fields that failed to decode (their errors are in the diagnostics). Empty when the
  // Pod decoded cleanly; otherwise `pod` holds the rest, so that validation can still report
  // the problems elsewhere in it.
  std::vector<std::string> error_paths;
};

struct DecodedService {
  Service service;
  std::string object;   // `service "web"`, as Diagnostic::object
  bool decoded = true;  // false: a field failed to decode (reported in the diagnostics)
};

struct DecodedManifest {
  std::vector<DecodedPod> pods;          // every Pod object, including those with decoding errors
  std::vector<DecodedService> services;  // every Service object, likewise
  std::vector<Diagnostic> diagnostics;
  bool has_errors() const;
};

DecodedManifest DecodeManifest(std::string_view text, ManifestFormat format,
                               std::string_view source, const ParseLimits& limits = {});

}  // namespace probelet::api
