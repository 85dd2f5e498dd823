#include "server/kube_watch.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

#include "server/kube_api.h"
#include "server/kube_encoding.h"
#include "server/kube_selectors.h"

namespace probelet::server {
namespace {

using nlohmann::json;

// How a watcher's objects are encoded: plain v1 objects, or one-row Tables whose row object is
// as ?includeObject= asks.
enum class Format { kObject = 0, kTableNone = 1, kTableMetadata = 2, kTableObject = 3 };

Format FormatOf(const HttpTarget& target, std::string_view accept) {
  if (accept.find("as=Table") == accept.npos) return Format::kObject;
  const std::string* include = target.Query("includeObject");
  if (include != nullptr && *include == "None") return Format::kTableNone;
  if (include != nullptr && *include == "Object") return Format::kTableObject;
  return Format::kTableMetadata;
}

// The key of an encoding in WatchChange::Encoded: format, headers, type.
int EncodingKey(Format format, bool headers, WatchEventType type) {
  return (static_cast<int>(format) * 2 + (headers ? 1 : 0)) * 4 + static_cast<int>(type);
}

// What one watch sends: the object of a pod or an event, at `version`.
struct Item {
  const api::Pod* pod = nullptr;
  const api::Event* event = nullptr;
};

void StampObject(json& object, uint64_t version) {
  if (object.is_object()) object["metadata"]["resourceVersion"] = std::to_string(version);
}

// {"type":...,"object":...} in the API server's order (type first), one line.
std::string Line(std::string_view type, const json& object) {
  return fmt::format("{{\"type\":\"{}\",\"object\":{}}}\n", type,
                     object.dump(-1, ' ', false, json::error_handler_t::replace));
}

std::string Line(WatchEventType type, const json& object) { return Line(ToString(type), object); }

// The watch event's line for `item` changed (`type`) at `version`.
std::string EncodeLine(const Item& item, WatchEventType type, uint64_t version, Format format,
                       bool headers, const HttpTarget& target, api::Time now) {
  if (format == Format::kObject) {
    json object = item.pod != nullptr ? EncodePodObject(*item.pod) : EncodeEventObject(*item.event);
    StampObject(object, version);
    return Line(type, object);
  }
  json row = item.pod != nullptr ? PodTableRow(target, *item.pod, now, nullptr)
                                 : EventTableRow(target, *item.event, now, nullptr);
  StampObject(row["object"], version);
  json columns = json::array();
  if (headers) columns = item.pod != nullptr ? PodColumnDefinitions() : EventColumnDefinitions();
  json table = TableOf(std::move(columns), json::array({std::move(row)}));
  table["metadata"]["resourceVersion"] = std::to_string(version);
  return Line(type, table);
}

// What a watch is of: the resource, and the objects it selects.
struct Scope {
  WatchResource resource = WatchResource::kPods;
  std::optional<std::string> ns;    // all namespaces when unset
  std::optional<std::string> name;  // the old single-pod form
  bool has_selector = false;        // labelSelector or fieldSelector (checked per object)
};

bool Selected(const Scope& scope, const HttpTarget& target, const Item& item) {
  const std::string& ns =
      item.pod != nullptr ? item.pod->metadata.namespace_ : item.event->involved_object.namespace_;
  if (scope.ns && ns != *scope.ns) return false;
  if (scope.name && (item.pod == nullptr || item.pod->metadata.name != *scope.name)) return false;
  if (!scope.has_selector) return true;
  if (item.pod != nullptr) {
    std::vector<api::Pod> one{*item.pod};
    return !FilterPods(target, one) && !one.empty();
  }
  std::vector<api::Event> one{*item.event};
  return !FilterEvents(target, one) && !one.empty();
}

std::string KeyOf(const Item& item) {
  return item.pod != nullptr ? item.pod->metadata.uid : item.event->name;
}

// A watcher's own state, kept by its Deliver: whether the Table's columns went out, and with a
// selector, which objects it has been told of (to turn changes in and out of the selection into
// ADDED and DELETED).
struct WatchState {
  Scope scope;
  HttpTarget target;
  Format format = Format::kObject;
  bool headers_sent = false;
  std::set<std::string> present;
};

Watcher::Deliver MakeDeliver(std::shared_ptr<WatchState> state) {
  return [state](const WatchChange& change) -> std::shared_ptr<const std::string> {
    Item item{change.pod.get(), change.event.get()};
    bool selected = Selected(state->scope, state->target, item);
    WatchEventType type = change.type;
    if (state->scope.has_selector) {
      std::string key = KeyOf(item);
      bool known = state->present.count(key) != 0;
      if (type == WatchEventType::kDeleted) {
        if (!known && !selected) return nullptr;
        state->present.erase(key);
      } else if (selected) {
        type = known ? WatchEventType::kModified : WatchEventType::kAdded;
        state->present.insert(key);
      } else {
        if (!known) return nullptr;
        state->present.erase(key);
        type = WatchEventType::kDeleted;
      }
    } else if (!selected) {
      return nullptr;
    }
    bool headers = state->format != Format::kObject && !state->headers_sent;
    state->headers_sent = true;
    return change.Encoded(EncodingKey(state->format, headers, type), [&] {
      return EncodeLine(item, type, change.resource_version, state->format, headers, state->target,
                        change.at);
    });
  };
}

std::optional<uint64_t> ParseUint(const std::string& s) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// The ERROR event of a watch that cannot start from `version` (the API server's "Expired").
std::string ExpiredLine(uint64_t version, uint64_t oldest) {
  json status{{"kind", "Status"},
              {"apiVersion", "v1"},
              {"metadata", json::object()},
              {"status", "Failure"},
              {"message", fmt::format("too old resource version: {} ({})", version, oldest)},
              {"reason", "Expired"},
              {"code", 410}};
  return Line("ERROR", status);
}

std::optional<Scope> ScopeOf(const HttpTarget& target) {
  const std::vector<std::string>& s = target.segments;
  if (s.size() < 3 || s[0] != "api" || s[1] != "v1") return std::nullopt;
  Scope scope;
  size_t at = 2;
  if (s[2] == "namespaces") {
    if (s.size() < 5) return std::nullopt;
    scope.ns = s[3];
    at = 4;
  }
  if (s[at] == "pods") {
    scope.resource = WatchResource::kPods;
  } else if (s[at] == "events") {
    scope.resource = WatchResource::kEvents;
  } else {
    return std::nullopt;
  }
  if (s.size() == at + 2 && scope.ns && scope.resource == WatchResource::kPods) {
    scope.name = s[at + 1];
  } else if (s.size() != at + 1) {
    return std::nullopt;
  }
  for (const char* key : {"labelSelector", "fieldSelector"}) {
    if (const std::string* v = target.Query(key); v && !v->empty()) scope.has_selector = true;
  }
  return scope;
}

}  // namespace

std::optional<HttpResponse> ServeWatch(const HttpTarget& target, std::string_view accept,
                                       const PodSource& source, WatchCache& cache, api::Time now) {
  if (!IsWatch(target)) return std::nullopt;
  std::optional<Scope> scope = ScopeOf(target);
  if (!scope) return std::nullopt;
  // A selector that does not parse is the list's 400, before any stream starts.
  if (scope->resource == WatchResource::kPods) {
    std::vector<api::Pod> none;
    if (auto err = FilterPods(target, none)) return err;
  } else {
    std::vector<api::Event> none;
    if (auto err = FilterEvents(target, none)) return err;
  }
  std::optional<uint64_t> after;
  if (const std::string* rv = target.Query("resourceVersion"); rv && !rv->empty() && *rv != "0") {
    after = ParseUint(*rv);
    if (!after) return BadRequest(fmt::format("resourceVersion: Invalid value: \"{}\"", *rv));
  }
  std::optional<base::Duration> timeout;
  if (const std::string* t = target.Query("timeoutSeconds"); t && !t->empty()) {
    auto seconds = ParseUint(*t);
    if (!seconds) return BadRequest(fmt::format("timeoutSeconds: Invalid value: \"{}\"", *t));
    timeout = std::chrono::seconds(*seconds);
  }

  auto state = std::make_shared<WatchState>();
  state->scope = *scope;
  state->target = target;
  state->format = FormatOf(target, accept);
  auto watcher = std::make_shared<Watcher>(scope->resource, MakeDeliver(state));
  watcher->timeout = timeout;

  HttpResponse r;
  r.content_type = "application/json";
  r.watch = watcher;
  if (after && !cache.Watch(watcher, after)) {
    watcher->Queue(
        std::make_shared<const std::string>(ExpiredLine(*after, cache.oldest_resumable())));
    watcher->Finish();
    return r;
  }
  if (!after) {
    // "Get state and start at most recent": every current object as ADDED, then changes.
    auto send = [&](const Item& item, uint64_t version) {
      if (!Selected(state->scope, target, item)) return;
      if (state->scope.has_selector) state->present.insert(KeyOf(item));
      bool headers = state->format != Format::kObject && !state->headers_sent;
      state->headers_sent = true;
      watcher->Queue(std::make_shared<const std::string>(
          EncodeLine(item, WatchEventType::kAdded, version, state->format, headers, target, now)));
    };
    if (scope->resource == WatchResource::kPods) {
      for (const auto& pod : source.ListPods())
        send({&pod, nullptr}, cache.PodVersion(pod.metadata.uid));
    } else {
      std::vector<api::Event> events = source.ListEvents();
      std::stable_sort(events.begin(), events.end(), [](const api::Event& a, const api::Event& b) {
        return a.last_timestamp < b.last_timestamp;
      });
      for (const auto& e : events) send({nullptr, &e}, cache.EventVersion(e.name));
    }
    cache.Watch(watcher, std::nullopt);
  }
  return r;
}

}  // namespace probelet::server
