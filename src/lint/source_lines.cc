#include "lint/source_lines.h"

#include <yaml-cpp/yaml.h>

#include <vector>

namespace probelet::lint {
namespace {

using Fields = std::map<std::string, int, std::less<>>;

// Aliases share nodes in yaml-cpp, so a walk could revisit one many times; the loader's own
// limit on expanded values bounds real manifests far below this.
constexpr size_t kMaxIndexedFields = 1'000'000;

int LineOf(const YAML::Node& node) {
  YAML::Mark mark = node.Mark();
  return mark.is_null() ? 0 : mark.line + 1;
}

void Walk(const YAML::Node& node, const std::string& path, Fields& out, int depth) {
  if (depth > 64 || out.size() > kMaxIndexedFields) return;
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      std::string child = path.empty() ? it->first.Scalar() : path + "." + it->first.Scalar();
      out.emplace(child, LineOf(it->first));
      Walk(it->second, child, out, depth + 1);
    }
  } else if (node.IsSequence()) {
    size_t i = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++i) {
      std::string child = path + "[" + std::to_string(i) + "]";
      out.emplace(child, LineOf(*it));
      Walk(*it, child, out, depth + 1);
    }
  }
}

// yaml-cpp throws when a missing key's node is asked its type: ask IsDefined first.
bool IsMap(const YAML::Node& n) { return n.IsDefined() && n.IsMap(); }
bool IsScalar(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }
bool IsSequence(const YAML::Node& n) { return n.IsDefined() && n.IsSequence(); }

// Const access only: assigning one yaml-cpp Node to another writes into the tree.
std::string ScalarAt(const YAML::Node& node, const char* a, const char* b) {
  const YAML::Node outer = node[a];
  if (!IsMap(outer)) return "";
  const YAML::Node inner = outer[b];
  return IsScalar(inner) ? inner.Scalar() : "";
}

struct IndexedPod {
  std::string pod_namespace;
  std::string name;
  Fields fields;
};

IndexedPod IndexPod(const YAML::Node& pod) {
  IndexedPod out{ScalarAt(pod, "metadata", "namespace"), ScalarAt(pod, "metadata", "name"), {}};
  if (out.pod_namespace.empty()) out.pod_namespace = "default";
  out.fields.emplace("", LineOf(pod));
  Walk(pod, "", out.fields, 0);
  return out;
}

}  // namespace

void SourceLines::AddFile(const std::string& file, std::string_view text) {
  auto add_pod = [&](const YAML::Node& node) {
    IndexedPod pod = IndexPod(node);
    pods_.emplace(Key{file, {pod.pod_namespace, pod.name}}, std::move(pod.fields));
  };
  try {
    for (const auto& doc : YAML::LoadAll(std::string(text))) {
      if (!IsMap(doc)) continue;
      const YAML::Node kind_node = doc["kind"];
      std::string kind = IsScalar(kind_node) ? kind_node.Scalar() : "";
      if (kind == "Pod") {
        add_pod(doc);
        continue;
      }
      const YAML::Node items = doc["items"];
      if ((kind != "List" && kind != "PodList") || !IsSequence(items)) continue;
      for (const auto& item : items) {
        if (!IsMap(item)) continue;
        const YAML::Node item_kind = item["kind"];
        std::string k = IsScalar(item_kind) ? item_kind.Scalar() : "";
        if (k == "Pod" || (k.empty() && kind == "PodList")) add_pod(item);
      }
    }
  } catch (const YAML::Exception&) {
    // No lines for what is left: findings there fall back to line 0.
  }
}

int SourceLines::Line(const std::string& file, const std::string& pod_namespace,
                      const std::string& name, std::string_view field) const {
  auto pod = pods_.find(Key{file, {pod_namespace, name}});
  if (pod == pods_.end()) return 0;
  const Fields& fields = pod->second;
  while (true) {
    auto it = fields.find(field);
    if (it != fields.end() && it->second > 0) return it->second;
    if (field.empty()) return 0;
    // The parent: drop the last ".name" or "[i]".
    size_t cut = field.find_last_of(".[");
    field = cut == std::string_view::npos ? std::string_view() : field.substr(0, cut);
  }
}

}  // namespace probelet::lint
