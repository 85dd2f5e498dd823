#include "server/kube_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "server/table_printers.h"

namespace probelet::server {
namespace {

using nlohmann::json;

constexpr std::string_view kKubeVersion = "v1.35.0";

HttpResponse JsonResponse(const json& body, int status = 200) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  // Names and messages come from manifests and processes: never throw on bad UTF-8.
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

HttpResponse BadRequest(std::string_view message) {
  return StatusResponse(400, "BadRequest", message);
}

HttpResponse NotFound() {
  return StatusResponse(404, "NotFound", "the server could not find the requested resource");
}

// kubectl asks for a Table with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`.
bool WantsTable(std::string_view accept) { return accept.find("as=Table") != accept.npos; }

// ---- selectors -------------------------------------------------------------------------------

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

// ---- encoding --------------------------------------------------------------------------------

json EncodePodObject(const api::Pod& pod) {
  json j = api::EncodePod(pod);
  j["kind"] = "Pod";
  j["apiVersion"] = "v1";
  return j;
}

json EncodeEventObject(const api::Event& e) {
  json j = api::EncodeEvent(e);
  j["kind"] = "Event";
  j["apiVersion"] = "v1";
  return j;
}

json ListJson(std::string_view kind, json items) {
  return json{{"kind", kind},
              {"apiVersion", "v1"},
              {"metadata", json::object()},
              {"items", std::move(items)}};
}

json Column(std::string_view name, std::string_view description, int priority = 0,
            std::string_view format = "") {
  json c{{"name", name},
         {"type", "string"},
         {"format", format},
         {"description", description},
         {"priority", priority}};
  return c;
}

// The row's "object" as ?includeObject= asks (None | Metadata, the default | Object).
json RowObject(const HttpTarget& target, const json& object) {
  const std::string* include = target.Query("includeObject");
  if (include != nullptr && *include == "None") return nullptr;
  if (include != nullptr && *include == "Object") return object;
  json meta = object.contains("metadata") ? object["metadata"] : json::object();
  return json{{"kind", "PartialObjectMetadata"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", std::move(meta)}};
}

json TableJson(json columns, json rows) {
  return json{{"kind", "Table"},
              {"apiVersion", "meta.k8s.io/v1"},
              {"metadata", json::object()},
              {"columnDefinitions", std::move(columns)},
              {"rows", std::move(rows)}};
}

json PodColumnDefinitions() {
  return json::array({
      Column("Name",
             "Name must be unique within a namespace. More info: "
             "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
             0, "name"),
      Column("Ready", "The aggregate readiness state of this pod for accepting traffic."),
      Column("Status", "The aggregate status of the containers in this pod."),
      Column("Restarts",
             "The number of times the containers in this pod have been restarted and when the "
             "last container in this pod has restarted."),
      Column("Age",
             "CreationTimestamp is a timestamp representing the server time when this object "
             "was created."),
      Column("IP", "IP address allocated to the pod. Routable at least within the cluster.", 1),
      Column("Node", "NodeName is a request to schedule this pod onto a specific node.", 1),
      Column("Nominated Node",
             "nominatedNodeName is set only when this pod preempts other pods on the node.", 1),
      Column("Readiness Gates", "If specified, all readiness gates will be evaluated.", 1),
  });
}

json PodRow(const HttpTarget& target, const api::Pod& pod, api::Time now) {
  PodColumns c = PrintPod(pod, now);
  json object;
  const std::string* include = target.Query("includeObject");
  if (include != nullptr && *include == "Object") {
    object = EncodePodObject(pod);
  } else if (include == nullptr || *include != "None") {
    // Metadata only: encode just that part (a full pod costs ten times more).
    api::Pod meta_only;
    meta_only.metadata = pod.metadata;
    object = RowObject(target, EncodePodObject(meta_only));
  }
  json row{{"cells",
            {c.name, c.ready, c.status, c.restarts, c.age, c.ip, c.node, c.nominated_node,
             c.readiness_gates}},
           {"object", std::move(object)}};
  // printPod marks finished pods so `kubectl get` can tell them apart.
  if (pod.status.phase == api::kPodSucceeded || pod.status.phase == api::kPodFailed) {
    bool ok = pod.status.phase == api::kPodSucceeded;
    row["conditions"] = json::array(
        {{{"type", "Completed"},
          {"status", "True"},
          {"reason", pod.status.phase},
          {"message", ok ? "The pod has completed successfully." : "The pod failed."}}});
  }
  return row;
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A JSON document `envelope` plus "<key>": [items...], produced kItemsPerPiece items per call
// of HttpResponse::produce, so a long list never holds the loop for long (api_handler.h).
constexpr size_t kItemsPerPiece = 20;
HttpResponse PiecewiseList(const json& envelope, std::string_view key, size_t count,
                           std::function<json(size_t)> item) {
  struct State {
    std::string header;
    size_t count = 0;
    size_t next = 0;
    bool started = false;
    std::function<json(size_t)> item;
  };
  auto state = std::make_shared<State>();
  state->header = Dump(envelope);
  state->header.pop_back();  // the closing '}'
  state->header += fmt::format(",\"{}\":[", key);
  state->count = count;
  state->item = std::move(item);
  HttpResponse r;
  r.produce = [state](std::string& out) {
    if (!state->started) {
      out += state->header;
      state->started = true;
    }
    size_t end = std::min(state->count, state->next + kItemsPerPiece);
    for (; state->next < end; ++state->next) {
      if (state->next > 0) out += ',';
      out += Dump(state->item(state->next));
    }
    if (state->next < state->count) return false;
    out += "]}";
    return true;
  };
  return r;
}

HttpResponse PodTableResponse(const HttpTarget& target, std::vector<api::Pod> pods, api::Time now) {
  auto shared = std::make_shared<std::vector<api::Pod>>(std::move(pods));
  json envelope{{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", json::object()},
                {"columnDefinitions", PodColumnDefinitions()}};
  return PiecewiseList(envelope, "rows", shared->size(), [shared, target, now](size_t i) {
    return PodRow(target, (*shared)[i], now);
  });
}

HttpResponse PodListResponse(std::vector<api::Pod> pods) {
  auto shared = std::make_shared<std::vector<api::Pod>>(std::move(pods));
  json envelope{{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", json::object()}};
  return PiecewiseList(envelope, "items", shared->size(),
                       [shared](size_t i) { return EncodePodObject((*shared)[i]); });
}

json EventTable(const HttpTarget& target, const std::vector<api::Event>& events, api::Time now) {
  json columns = json::array({
      Column("Last Seen",
             "The time at which the most recent occurrence of this event was "
             "recorded."),
      Column("Type",
             "Type of this event (Normal, Warning), new types could be added in the "
             "future"),
      Column("Reason",
             "This should be a short, machine understandable string that gives the "
             "reason for the transition into the object's current status."),
      Column("Object", "The object that this event is about."),
      Column("Subobject", "The field of the object the event is about.", 1),
      Column("Source", "The component reporting this event.", 1),
      Column("Message", "A human-readable description of the status of this operation."),
      Column("First Seen", "The time at which the event was first recorded.", 1),
      Column("Count", "The number of times this event has occurred.", 1),
      Column("Name", "Name must be unique within a namespace.", 1, "name"),
  });
  json rows = json::array();
  for (const auto& e : events) {
    EventColumns c = PrintEvent(e, now);
    rows.push_back({{"cells",
                     {c.last_seen, c.type, c.reason, c.object, c.subobject, c.source, c.message,
                      c.first_seen, c.count, c.name}},
                    {"object", RowObject(target, EncodeEventObject(e))}});
  }
  return TableJson(std::move(columns), std::move(rows));
}

// ---- discovery -------------------------------------------------------------------------------

HttpResponse Version() {
  return JsonResponse({{"major", "1"},
                       {"minor", "35"},
                       {"gitVersion", kKubeVersion},
                       {"gitCommit", ""},
                       {"gitTreeState", ""},
                       {"buildDate", ""},
                       {"goVersion", ""},
                       {"compiler", "probelet"},
                       {"platform", "linux/amd64"}});
}

HttpResponse CoreResources() {
  auto resource = [](std::string_view name, std::string_view singular, std::string_view kind,
                     json verbs, json short_names) {
    json r{{"name", name},
           {"singularName", singular},
           {"namespaced", true},
           {"kind", kind},
           {"verbs", std::move(verbs)}};
    if (!short_names.empty()) r["shortNames"] = std::move(short_names);
    return r;
  };
  json pods = resource("pods", "pod", "Pod", {"get", "list"}, {"po"});
  pods["categories"] = {"all"};
  return JsonResponse({{"kind", "APIResourceList"},
                       {"apiVersion", "v1"},
                       {"groupVersion", "v1"},
                       {"resources",
                        {pods, resource("pods/log", "", "Pod", {"get"}, json::array()),
                         resource("events", "event", "Event", {"get", "list"}, {"ev"})}}});
}

// ---- pods, events, logs ----------------------------------------------------------------------

std::vector<api::Pod> PodsIn(const PodSource& source, const std::string* ns) {
  std::vector<api::Pod> pods = source.ListPods();
  if (ns != nullptr) {
    std::erase_if(pods, [&](const api::Pod& p) { return p.metadata.namespace_ != *ns; });
  }
  return pods;
}

HttpResponse PodNotFound(std::string_view name) {
  return StatusResponse(404, "NotFound", fmt::format("pods \"{}\" not found", name), "pods", name);
}

HttpResponse ListPods(const HttpTarget& target, std::string_view accept, const PodSource& source,
                      const std::string* ns, api::Time now) {
  std::vector<api::Pod> pods = PodsIn(source, ns);
  if (auto err = Filter(
          target, pods, [](const api::Pod& p, std::string_view f) { return PodField(p, f); },
          [](const api::Pod& p) { return &p.metadata.labels; })) {
    return *err;
  }
  if (WantsTable(accept)) return PodTableResponse(target, std::move(pods), now);
  return PodListResponse(std::move(pods));
}

std::optional<api::Pod> FindPod(const PodSource& source, std::string_view ns,
                                std::string_view name) {
  for (auto& p : source.ListPods()) {
    if (p.metadata.namespace_ == ns && p.metadata.name == name) return std::move(p);
  }
  return std::nullopt;
}

HttpResponse GetPod(const HttpTarget& target, std::string_view accept, const PodSource& source,
                    const std::string& ns, const std::string& name, api::Time now) {
  auto pod = FindPod(source, ns, name);
  if (!pod) return PodNotFound(name);
  if (WantsTable(accept)) return PodTableResponse(target, {std::move(*pod)}, now);
  return JsonResponse(EncodePodObject(*pod));
}

std::optional<int64_t> ParseInt(const std::string* s) {
  if (s == nullptr) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size()) return std::nullopt;
  return v;
}

bool ParseBool(const std::string* s) { return s != nullptr && (*s == "true" || *s == "1"); }

const api::ContainerStatus* FindStatus(const api::Pod& pod, std::string_view container) {
  for (const auto* list : {&pod.status.container_statuses, &pod.status.init_container_statuses}) {
    for (const auto& s : *list) {
      if (s.name == container) return &s;
    }
  }
  return nullptr;
}

// GET .../pods/{name}/log: the kubelet's checks (kubelet_pods.go GetContainerLogs and
// validateContainerLogStatus) with its messages, then a LogStream for the server to send.
HttpResponse PodLog(const HttpTarget& target, const PodSource& source, const std::string& ns,
                    const std::string& name, api::Time now) {
  auto pod = FindPod(source, ns, name);
  if (!pod) return PodNotFound(name);
  std::vector<std::string> names;
  for (const auto* list : {&pod->spec.init_containers, &pod->spec.containers}) {
    for (const auto& c : *list) names.push_back(c.name);
  }
  std::string container;
  if (const std::string* c = target.Query("container"); c && !c->empty()) {
    container = *c;
    if (std::find(names.begin(), names.end(), container) == names.end()) {
      return BadRequest(fmt::format("container {} is not valid for pod {}", container, name));
    }
  } else if (pod->spec.containers.size() == 1 && pod->spec.init_containers.empty()) {
    container = pod->spec.containers.front().name;
  } else {
    std::string list;
    for (const auto& c : pod->spec.containers) list += (list.empty() ? "" : " ") + c.name;
    return BadRequest(fmt::format(
        "a container name must be specified for pod {}, choose one of: [{}]", name, list));
  }

  LogStream stream;
  stream.ns = ns;
  stream.pod = name;
  stream.container = container;
  stream.previous = ParseBool(target.Query("previous"));
  stream.options.follow = ParseBool(target.Query("follow")) && !stream.previous;
  stream.options.timestamps = ParseBool(target.Query("timestamps"));
  const std::string* tail = target.Query("tailLines");
  const std::string* limit = target.Query("limitBytes");
  const std::string* since_seconds = target.Query("sinceSeconds");
  const std::string* since_time = target.Query("sinceTime");
  if (tail) {
    stream.options.tail_lines = ParseInt(tail);
    if (!stream.options.tail_lines || *stream.options.tail_lines < 0) {
      return BadRequest("tailLines: must be a non-negative integer");
    }
  }
  if (limit) {
    stream.options.limit_bytes = ParseInt(limit);
    if (!stream.options.limit_bytes || *stream.options.limit_bytes < 1) {
      return BadRequest("limitBytes: must be greater than 0");
    }
  }
  if (since_seconds) {
    auto s = ParseInt(since_seconds);
    if (!s || *s < 1) return BadRequest("sinceSeconds: must be greater than 0");
    stream.options.since = now - std::chrono::seconds(*s);
  } else if (since_time) {
    stream.options.since = api::ParseRFC3339(*since_time);
    if (!stream.options.since) return BadRequest("sinceTime: must be an RFC 3339 time");
  }

  auto path = source.LogPath(ns, name, container, stream.previous);
  if (!path) {
    const api::ContainerStatus* status = FindStatus(*pod, container);
    if (stream.previous) {
      return BadRequest(fmt::format("previous terminated container \"{}\" in pod \"{}\" not found",
                                    container, name));
    }
    std::string waiting = status && status->state.waiting ? status->state.waiting->reason : "";
    return BadRequest(fmt::format("container \"{}\" in pod \"{}\" is waiting to start{}", container,
                                  name, waiting.empty() ? "" : ": " + waiting));
  }
  stream.path = *path;
  if (stream.options.tail_lines) {
    auto offset = TailStartOffset(stream.path, *stream.options.tail_lines);
    if (!offset) return StatusResponse(500, "InternalError", offset.error().message);
    stream.offset = *offset;
  }
  HttpResponse r;
  r.content_type = "text/plain";
  r.log = std::move(stream);
  return r;
}

std::vector<api::Event> SortedEvents(const PodSource& source, const std::string* ns) {
  std::vector<api::Event> events = source.ListEvents();
  if (ns != nullptr) {
    std::erase_if(events, [&](const api::Event& e) { return e.involved_object.namespace_ != *ns; });
  }
  std::stable_sort(events.begin(), events.end(), [](const api::Event& a, const api::Event& b) {
    return a.last_timestamp < b.last_timestamp;
  });
  return events;
}

HttpResponse ListEvents(const HttpTarget& target, std::string_view accept, const PodSource& source,
                        const std::string* ns, api::Time now) {
  std::vector<api::Event> events = SortedEvents(source, ns);
  if (auto err = Filter(
          target, events, [](const api::Event& e, std::string_view f) { return EventField(e, f); },
          [](const api::Event&) -> const std::map<std::string, std::string>* { return nullptr; })) {
    return *err;
  }
  if (WantsTable(accept)) return JsonResponse(EventTable(target, events, now));
  json items = json::array();
  for (const auto& e : events) items.push_back(EncodeEventObject(e));
  return JsonResponse(ListJson("EventList", std::move(items)));
}

}  // namespace

HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                            std::string_view kind, std::string_view name) {
  json body{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!kind.empty() || !name.empty()) body["details"] = {{"name", name}, {"kind", kind}};
  return JsonResponse(body, code);
}

HttpResponse PodListJson(const PodSource& source) { return PodListResponse(source.ListPods()); }

std::string EventListJson(const PodSource& source) {
  json items = json::array();
  for (const auto& e : SortedEvents(source, nullptr)) items.push_back(EncodeEventObject(e));
  return ListJson("EventList", std::move(items))
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<HttpResponse> ServeKubeApi(const HttpTarget& target, std::string_view accept,
                                         const PodSource& source, api::Time now) {
  const std::vector<std::string>& s = target.segments;
  if (s.empty()) return std::nullopt;
  if (s[0] == "version") return s.size() == 1 ? Version() : NotFound();
  if (s[0] == "apis") {
    if (s.size() == 1) {
      return JsonResponse(
          {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", json::array()}});
    }
    return NotFound();
  }
  if (s[0] != "api") return std::nullopt;
  if (s.size() == 1) {
    return JsonResponse({{"kind", "APIVersions"},
                         {"versions", {"v1"}},
                         {"serverAddressByClientCIDRs", json::array()}});
  }
  if (s[1] != "v1") return NotFound();
  if (s.size() == 2) return CoreResources();
  // `kubectl get -w`: the agent keeps no resource versions to watch from; say so plainly
  // rather than answer a list the client would take for a broken event stream.
  if (const std::string* watch = target.Query("watch");
      watch && (*watch == "true" || *watch == "1")) {
    return StatusResponse(405, "MethodNotAllowed",
                          "watch is not supported by the probelet agent's API; poll instead "
                          "(e.g. watch kubectl get pods)");
  }
  // /api/v1/{pods|events}
  if (s.size() == 3 && s[2] == "pods") return ListPods(target, accept, source, nullptr, now);
  if (s.size() == 3 && s[2] == "events") return ListEvents(target, accept, source, nullptr, now);
  // /api/v1/namespaces/{ns}/...
  if (s.size() < 5 || s[2] != "namespaces") return NotFound();
  const std::string& ns = s[3];
  if (s[4] == "pods") {
    if (s.size() == 5) return ListPods(target, accept, source, &ns, now);
    if (s.size() == 6) return GetPod(target, accept, source, ns, s[5], now);
    if (s.size() == 7 && s[6] == "log") return PodLog(target, source, ns, s[5], now);
    return NotFound();
  }
  if (s[4] == "events" && s.size() == 5) return ListEvents(target, accept, source, &ns, now);
  return NotFound();
}

}  // namespace probelet::server
