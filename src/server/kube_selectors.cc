#include "server/kube_selectors.h"

#include <fmt/format.h>

#include <map>

#include "server/kube_api.h"

namespace probelet::server {
namespace {

// One term of a label or field selector: key=value, key==value, key!=value, key, !key.
struct Requirement {
  enum class Op { kEquals, kNotEquals, kExists, kNotExists };
  std::string key;
  Op op = Op::kEquals;
  std::string value;
};

std::string TrimCopy(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return std::string(s);
}

// The equality-based selector syntax (labels.Parse / fields.ParseSelector); set-based terms
// ("in", "notin") are not served and give a 400.
std::optional<std::vector<Requirement>> ParseSelector(std::string_view s, bool allow_exists) {
  std::vector<Requirement> out;
  while (!s.empty()) {
    size_t comma = s.find(',');
    std::string term = TrimCopy(s.substr(0, comma));
    s = comma == std::string_view::npos ? std::string_view() : s.substr(comma + 1);
    if (term.empty()) continue;
    Requirement r;
    size_t pos;
    if ((pos = term.find("!=")) != std::string::npos) {
      r.op = Requirement::Op::kNotEquals;
      r.key = TrimCopy(std::string_view(term).substr(0, pos));
      r.value = TrimCopy(std::string_view(term).substr(pos + 2));
    } else if ((pos = term.find("==")) != std::string::npos) {
      r.key = TrimCopy(std::string_view(term).substr(0, pos));
      r.value = TrimCopy(std::string_view(term).substr(pos + 2));
    } else if ((pos = term.find('=')) != std::string::npos) {
      r.key = TrimCopy(std::string_view(term).substr(0, pos));
      r.value = TrimCopy(std::string_view(term).substr(pos + 1));
    } else if (allow_exists && term.front() == '!') {
      r.op = Requirement::Op::kNotExists;
      r.key = TrimCopy(std::string_view(term).substr(1));
    } else if (allow_exists && term.find(' ') == std::string::npos) {
      r.op = Requirement::Op::kExists;
      r.key = term;
    } else {
      return std::nullopt;
    }
    if (r.key.empty()) return std::nullopt;
    out.push_back(std::move(r));
  }
  return out;
}

bool Matches(const Requirement& r, const std::string* value) {
  switch (r.op) {
    case Requirement::Op::kEquals:
      return value != nullptr && *value == r.value;
    case Requirement::Op::kNotEquals:
      return value == nullptr || *value != r.value;
    case Requirement::Op::kExists:
      return value != nullptr;
    case Requirement::Op::kNotExists:
      return value == nullptr;
  }
  return false;
}

// A field of an object by its selector name; nullopt when the field cannot be selected on.
using FieldGetter = std::optional<std::string> (*)(const void* object, std::string_view field);

std::optional<std::string> PodField(const api::Pod& pod, std::string_view field) {
  if (field == "metadata.name") return pod.metadata.name;
  if (field == "metadata.namespace") return pod.metadata.namespace_;
  if (field == "metadata.uid") return pod.metadata.uid;
  if (field == "status.phase") return pod.status.phase;
  if (field == "status.podIP") return pod.status.pod_ip;
  if (field == "spec.restartPolicy") return pod.spec.restart_policy;
  if (field == "spec.nodeName") return std::string();
  return std::nullopt;
}

std::optional<std::string> EventField(const api::Event& e, std::string_view field) {
  const api::ObjectReference& o = e.involved_object;
  if (field == "metadata.name") return e.name;
  if (field == "metadata.namespace") return o.namespace_;
  if (field == "involvedObject.kind") return o.kind;
  if (field == "involvedObject.namespace") return o.namespace_;
  if (field == "involvedObject.name") return o.name;
  if (field == "involvedObject.uid") return o.uid;
  if (field == "involvedObject.apiVersion") return o.api_version;
  if (field == "involvedObject.fieldPath") return o.field_path;
  if (field == "involvedObject.resourceVersion") return std::string();
  if (field == "reason") return e.reason;
  if (field == "type") return e.type;
  if (field == "source") return e.source_component;
  return std::nullopt;
}

std::optional<std::string> MetaField(const api::ObjectMeta& m, std::string_view field) {
  if (field == "metadata.name") return m.name;
  if (field == "metadata.namespace") return m.namespace_;
  return std::nullopt;
}

// Applies ?labelSelector= and ?fieldSelector= to `items`; an error response when a selector
// does not parse or names a field that cannot be selected on.
template <typename T, typename GetField, typename GetLabels>
std::optional<HttpResponse> Filter(const HttpTarget& target, std::vector<T>& items,
                                   GetField get_field, GetLabels get_labels) {
  if (const std::string* sel = target.Query("labelSelector"); sel && !sel->empty()) {
    auto reqs = ParseSelector(*sel, /*allow_exists=*/true);
    if (!reqs) return BadRequest(fmt::format("unable to parse requirement: {}", *sel));
    std::erase_if(items, [&](const T& item) {
      const std::map<std::string, std::string>* labels = get_labels(item);
      for (const auto& r : *reqs) {
        const std::string* v = nullptr;
        if (labels != nullptr) {
          auto it = labels->find(r.key);
          if (it != labels->end()) v = &it->second;
        }
        if (!Matches(r, v)) return true;
      }
      return false;
    });
  }
  if (const std::string* sel = target.Query("fieldSelector"); sel && !sel->empty()) {
    auto reqs = ParseSelector(*sel, /*allow_exists=*/false);
    if (!reqs) return BadRequest(fmt::format("invalid field selector: {}", *sel));
    for (const auto& r : *reqs) {
      if (!items.empty() ? !get_field(items.front(), r.key) : !get_field(T{}, r.key)) {
        return BadRequest(fmt::format("field label not supported: {}", r.key));
      }
    }
    std::erase_if(items, [&](const T& item) {
      for (const auto& r : *reqs) {
        auto v = get_field(item, r.key);
        if (!Matches(r, v ? &*v : nullptr)) return true;
      }
      return false;
    });
  }
  return std::nullopt;
}

}  // namespace

std::optional<HttpResponse> FilterPods(const HttpTarget& target, std::vector<api::Pod>& pods) {
  return Filter(
      target, pods, [](const api::Pod& p, std::string_view f) { return PodField(p, f); },
      [](const api::Pod& p) { return &p.metadata.labels; });
}

std::optional<HttpResponse> FilterPods(const HttpTarget& target, std::vector<PodView>& pods) {
  const api::Pod none;  // what an empty list checks the fields against
  return Filter(
      target, pods,
      [&none](const PodView& p, std::string_view f) {
        return PodField(p.pod != nullptr ? *p.pod : none, f);
      },
      [](const PodView& p) { return &p.pod->metadata.labels; });
}

std::optional<HttpResponse> FilterEvents(const HttpTarget& target,
                                         std::vector<api::Event>& events) {
  return Filter(
      target, events, [](const api::Event& e, std::string_view f) { return EventField(e, f); },
      [](const api::Event&) -> const std::map<std::string, std::string>* { return nullptr; });
}

template <typename T>
std::optional<HttpResponse> FilterByMetadata(const HttpTarget& target, std::vector<T>& items) {
  return Filter(
      target, items, [](const T& o, std::string_view f) { return MetaField(o.metadata, f); },
      [](const T& o) { return &o.metadata.labels; });
}

std::optional<HttpResponse> FilterServices(const HttpTarget& target,
                                           std::vector<api::Service>& services) {
  return FilterByMetadata(target, services);
}
std::optional<HttpResponse> FilterEndpoints(const HttpTarget& target,
                                            std::vector<api::Endpoints>& endpoints) {
  return FilterByMetadata(target, endpoints);
}
std::optional<HttpResponse> FilterEndpointSlices(const HttpTarget& target,
                                                 std::vector<api::EndpointSlice>& slices) {
  return FilterByMetadata(target, slices);
}

}  // namespace probelet::server
