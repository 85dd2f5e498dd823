#include "api/manifest.h"

#include "api/field_error.h"
#include "api/json_codec.h"
#include "api/manifest_parser.h"
#include "api/service_codec.h"

namespace probelet::api {
namespace {

using nlohmann::json;

bool IsWorkloadKind(std::string_view kind) {
  for (auto k : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController",
                 "Job", "CronJob"}) {
    if (kind == k) return true;
  }
  return false;
}

std::string StringMember(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

class ManifestDecoder {
 public:
  ManifestDecoder(std::string_view source, const ParseLimits& limits, DecodedManifest& out)
      : source_(source), limits_(limits), out_(out) {}

  void Document(const json& doc, size_t index, int line) {
    std::string label =
        "document " + std::to_string(index + 1) + " (line " + std::to_string(line) + ")";
    Object(doc, label, /*in_pod_list=*/false, /*in_list=*/false);
  }

 private:
  void Add(Diagnostic::Severity severity, const std::string& object, std::string message) {
    out_.diagnostics.push_back({severity, std::string(source_), object, std::move(message)});
  }

  void Object(const json& obj, const std::string& fallback_label, bool in_pod_list, bool in_list) {
    if (!obj.is_object()) {
      Add(Diagnostic::Severity::kError, fallback_label,
          "not an object: a manifest holds a Pod (or a List of Pods)");
      return;
    }
    if (++objects_ > limits_.max_objects) {
      if (objects_ == limits_.max_objects + 1) {
        Add(Diagnostic::Severity::kError, fallback_label,
            "too many objects in one file (more than " + std::to_string(limits_.max_objects) + ")");
      }
      return;
    }
    std::string kind = StringMember(obj, "kind");
    std::string name = StringMember(MemberOrNull(obj, "metadata"), "name");
    std::string label = name.empty() ? fallback_label : "pod " + GoQuote(name);
    if (kind.empty() && in_pod_list && !obj.contains("kind")) kind = "Pod";  // PodList items
    if (kind == "Pod" || kind.empty()) {
      Pod pod;
      std::vector<std::string> errors, warnings;
      json with_kind;
      const json* source = &obj;
      if (in_pod_list && !obj.contains("kind")) {
        with_kind = obj;
        with_kind["kind"] = "Pod";
        if (!with_kind.contains("apiVersion")) with_kind["apiVersion"] = "v1";
        source = &with_kind;
      }
      DecodePodInto(*source, pod, errors, warnings);
      std::vector<std::string> error_paths;
      for (auto& w : warnings) Add(Diagnostic::Severity::kWarning, label, std::move(w));
      for (auto& e : errors) {
        error_paths.push_back(e.substr(0, e.find(": ")));
        Add(Diagnostic::Severity::kError, label, std::move(e));
      }
      out_.pods.push_back({std::move(pod), label, std::move(error_paths)});
      return;
    }
    if (kind == "Service") {
      Service service;
      std::vector<std::string> errors, warnings;
      std::string service_label = name.empty() ? fallback_label : "service " + GoQuote(name);
      DecodeServiceInto(obj, service, errors, warnings);
      for (auto& w : warnings) Add(Diagnostic::Severity::kWarning, service_label, std::move(w));
      bool ok = errors.empty();
      for (auto& e : errors) Add(Diagnostic::Severity::kError, service_label, std::move(e));
      out_.services.push_back({std::move(service), service_label, ok});
      return;
    }
    std::string what = name.empty() ? kind : kind + " " + GoQuote(name);
    if (kind == "List" || kind == "PodList") {
      if (in_list) {
        Add(Diagnostic::Severity::kError, fallback_label, "a List inside a List is not supported");
        return;
      }
      auto it = obj.find("items");
      if (it == obj.end() || it->is_null()) return;
      if (!it->is_array()) {
        Add(Diagnostic::Severity::kError, fallback_label,
            "items: Invalid value: expected a list, got " + std::string(it->type_name()));
        return;
      }
      for (size_t i = 0; i < it->size(); ++i) {
        Object((*it)[i], fallback_label + " items[" + std::to_string(i) + "]", kind == "PodList",
               true);
      }
      return;
    }
    if (IsWorkloadKind(kind)) {
      std::string template_path =
          kind == "CronJob" ? ".spec.jobTemplate.spec.template" : ".spec.template";
      Add(Diagnostic::Severity::kError, fallback_label,
          what + ": probelet runs only Pods; take the pod template at " + template_path +
              ", give it apiVersion: v1, kind: Pod and a metadata.name, and run that");
      return;
    }
    Add(Diagnostic::Severity::kError, fallback_label,
        "kind: Unsupported value: " + GoQuote(kind) +
            ": probelet runs only Pods (kind: Pod, or kind: List of Pods) and Services (kind: "
            "Service)");
  }

  static const json& MemberOrNull(const json& j, const char* key) {
    static const json kNull;  // immutable: not mutable global state
    auto it = j.find(key);
    return it == j.end() ? kNull : *it;
  }

  std::string_view source_;
  const ParseLimits& limits_;
  DecodedManifest& out_;
  size_t objects_ = 0;
};

}  // namespace

std::string Diagnostic::ToString() const {
  std::string s;
  if (!source.empty()) s += source + ": ";
  if (!object.empty()) s += object + ": ";
  if (severity == Severity::kWarning) s += "warning: ";
  return s + message;
}

bool DecodedManifest::has_errors() const {
  for (const auto& d : diagnostics) {
    if (d.severity == Diagnostic::Severity::kError) return true;
  }
  return false;
}

DecodedManifest DecodeManifest(std::string_view text, ManifestFormat format,
                               std::string_view source, const ParseLimits& limits) {
  DecodedManifest out;
  auto parsed = ParseManifest(text, format, limits);
  if (!parsed.ok()) {
    out.diagnostics.push_back(
        {Diagnostic::Severity::kError, std::string(source), "", parsed.error().message});
    return out;
  }
  for (auto& w : parsed->warnings) {
    out.diagnostics.push_back({Diagnostic::Severity::kWarning, std::string(source), "", w});
  }
  ManifestDecoder decoder(source, limits, out);
  for (size_t i = 0; i < parsed->documents.size(); ++i) {
    decoder.Document(parsed->documents[i].value, i, parsed->documents[i].line);
  }
  return out;
}

}  // namespace probelet::api
