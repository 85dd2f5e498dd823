#include "server/kube_api.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "server/kube_encoding.h"
#include "server/kube_selectors.h"
#include "server/kube_services.h"
#include "server/pod_encoding_cache.h"

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

HttpResponse NotFound() {
  return StatusResponse(404, "NotFound", "the server could not find the requested resource");
}

// kubectl asks for a Table with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`.
bool WantsTable(std::string_view accept) { return accept.find("as=Table") != accept.npos; }

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

// `watchable`: the agent serves watches of pods and events (a WatchCache), which discovery
// says with the "watch" verb as the API server does; the dashboard asks it before watching.
HttpResponse CoreResources(bool watchable) {
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
  json list_verbs = watchable ? json{"get", "list", "watch"} : json{"get", "list"};
  json pods = resource("pods", "pod", "Pod", list_verbs, {"po"});
  pods["categories"] = {"all"};
  json resources = {pods, resource("pods/log", "", "Pod", {"get"}, json::array()),
                    resource("events", "event", "Event", list_verbs, {"ev"})};
  for (auto& r : ServiceCoreResources()) resources.push_back(std::move(r));
  return JsonResponse({{"kind", "APIResourceList"},
                       {"apiVersion", "v1"},
                       {"groupVersion", "v1"},
                       {"resources", std::move(resources)}});
}

// ---- pods, events, logs ----------------------------------------------------------------------

HttpResponse PodNotFound(std::string_view name) {
  return StatusResponse(404, "NotFound", fmt::format("pods \"{}\" not found", name), "pods", name);
}

HttpResponse ListPods(const HttpTarget& target, std::string_view accept, const PodSource& source,
                      const std::string* ns, api::Time now, const WatchCache* versions,
                      const std::shared_ptr<PodEncodingCache>& cache) {
  HttpResponse response;
  source.WithPods([&](std::span<const PodView> all) {
    if (cache) cache->Retain(all);
    std::vector<PodView> pods(all.begin(), all.end());
    if (ns != nullptr) {
      std::erase_if(pods, [&](const PodView& p) { return p.pod->metadata.namespace_ != *ns; });
    }
    if (auto err = FilterPods(target, pods)) {
      response = std::move(*err);
    } else if (WantsTable(accept)) {
      response = PodTableResponse(target, pods, now, versions, cache);
    } else {
      response = PodListResponse(pods, versions, cache);
    }
  });
  return response;
}

// Calls `fn` with the view of the pod `ns`/`name` (only during the call); false when none.
bool WithPod(const PodSource& source, std::string_view ns, std::string_view name,
             const std::function<void(const PodView&)>& fn) {
  bool found = false;
  source.WithPods([&](std::span<const PodView> all) {
    for (const PodView& p : all) {
      if (p.pod->metadata.namespace_ == ns && p.pod->metadata.name == name) {
        found = true;
        fn(p);
        return;
      }
    }
  });
  return found;
}

std::optional<api::Pod> FindPod(const PodSource& source, std::string_view ns,
                                std::string_view name) {
  std::optional<api::Pod> pod;
  WithPod(source, ns, name, [&](const PodView& p) { pod = *p.pod; });
  return pod;
}

HttpResponse GetPod(const HttpTarget& target, std::string_view accept, const PodSource& source,
                    const std::string& ns, const std::string& name, api::Time now,
                    const WatchCache* versions, const std::shared_ptr<PodEncodingCache>& cache) {
  HttpResponse response;
  bool found = WithPod(source, ns, name, [&](const PodView& p) {
    if (WantsTable(accept)) {
      response = PodTableResponse(target, std::span(&p, 1), now, versions, cache);
    } else {
      response.content_type = "application/json";
      response.body = *PodObjectText(p, versions, cache.get());
    }
  });
  return found ? response : PodNotFound(name);
}

std::optional<int64_t> ParseInt(const std::string* s) {
  if (s == nullptr) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
  if (ec != std::errc() || end != s->data() + s->size()) return std::nullopt;
  return v;
}

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
                        const std::string* ns, api::Time now, const WatchCache* versions) {
  std::vector<api::Event> events = SortedEvents(source, ns);
  if (auto err = FilterEvents(target, events)) return *err;
  if (WantsTable(accept)) return JsonResponse(EventTable(target, events, now, versions));
  json items = json::array();
  for (const auto& e : events) items.push_back(EncodeEventObject(e, versions));
  return JsonResponse(ListJson("EventList", std::move(items), versions));
}

}  // namespace

bool ParseBool(const std::string* s) { return s != nullptr && (*s == "true" || *s == "1"); }

bool IsWatch(const HttpTarget& target) { return ParseBool(target.Query("watch")); }

HttpResponse BadRequest(std::string_view message) {
  return StatusResponse(400, "BadRequest", message);
}

HttpResponse StatusResponse(int code, std::string_view reason, std::string_view message,
                            std::string_view kind, std::string_view name) {
  json body{{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", json::object()},
            {"status", "Failure"}, {"message", message}, {"reason", reason},
            {"code", code}};
  if (!kind.empty() || !name.empty()) body["details"] = {{"name", name}, {"kind", kind}};
  return JsonResponse(body, code);
}

HttpResponse PodListJson(const PodSource& source, const WatchCache* versions,
                         const std::shared_ptr<PodEncodingCache>& cache) {
  HttpResponse response;
  source.WithPods([&](std::span<const PodView> all) {
    if (cache) cache->Retain(all);
    response = PodListResponse(all, versions, cache);
  });
  return response;
}

std::string EventListJson(const PodSource& source, const WatchCache* versions) {
  json items = json::array();
  for (const auto& e : SortedEvents(source, nullptr)) {
    items.push_back(EncodeEventObject(e, versions));
  }
  return ListJson("EventList", std::move(items), versions)
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<HttpResponse> ServeKubeApi(const HttpTarget& target, std::string_view accept,
                                         const PodSource& source, api::Time now,
                                         const WatchCache* versions,
                                         const std::shared_ptr<PodEncodingCache>& pods) {
  const std::vector<std::string>& s = target.segments;
  if (s.empty()) return std::nullopt;
  if (s[0] == "version") return s.size() == 1 ? Version() : NotFound();
  if (s[0] == "apis") {
    if (auto r = ServeServiceApi(target, accept, source, now)) return r;
    return NotFound();
  }
  if (s[0] != "api") return std::nullopt;
  if (s.size() == 1) {
    return JsonResponse({{"kind", "APIVersions"},
                         {"versions", {"v1"}},
                         {"serverAddressByClientCIDRs", json::array()}});
  }
  if (s[1] != "v1") return NotFound();
  if (s.size() == 2) return CoreResources(versions != nullptr);
  // A watch of what has no watch here (Services, or an agent served without a WatchCache):
  // say so plainly rather than answer a list the client would take for a broken event stream.
  // Pods and events are watched before this (kube_watch.h).
  if (IsWatch(target)) {
    return StatusResponse(405, "MethodNotAllowed",
                          "watch is not supported for this resource by the probelet agent's API; "
                          "poll instead (e.g. watch kubectl get ...)");
  }
  // /api/v1[/namespaces/{ns}]/{services|endpoints}[/{name}]
  if (auto r = ServeServiceApi(target, accept, source, now)) return r;
  // /api/v1/{pods|events}
  if (s.size() == 3 && s[2] == "pods") {
    return ListPods(target, accept, source, nullptr, now, versions, pods);
  }
  if (s.size() == 3 && s[2] == "events") {
    return ListEvents(target, accept, source, nullptr, now, versions);
  }
  // /api/v1/namespaces/{ns}/...
  if (s.size() < 5 || s[2] != "namespaces") return NotFound();
  const std::string& ns = s[3];
  if (s[4] == "pods") {
    if (s.size() == 5) return ListPods(target, accept, source, &ns, now, versions, pods);
    if (s.size() == 6) return GetPod(target, accept, source, ns, s[5], now, versions, pods);
    if (s.size() == 7 && s[6] == "log") return PodLog(target, source, ns, s[5], now);
    return NotFound();
  }
  if (s[4] == "events" && s.size() == 5) {
    return ListEvents(target, accept, source, &ns, now, versions);
  }
  return NotFound();
}

}  // namespace probelet::server
