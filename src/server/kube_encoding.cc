#include "server/kube_encoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "api/json_codec.h"
#include "server/pod_encoding_cache.h"
#include "server/table_printers.h"
#include "server/watch_cache.h"

namespace probelet::server {

using nlohmann::json;

namespace {

// metadata.resourceVersion, "1" and up (a counter, as a string like the API server's).
void Stamp(json& object, uint64_t version) {
  if (version != 0) object["metadata"]["resourceVersion"] = std::to_string(version);
}

json ListMeta(const WatchCache* versions) {
  json meta = json::object();
  if (versions != nullptr) meta["resourceVersion"] = std::to_string(versions->resource_version());
  return meta;
}

}  // namespace

json EncodePodObject(const api::Pod& pod, const WatchCache* versions) {
  return EncodePodObjectAt(pod, versions != nullptr ? versions->PodVersion(pod.metadata.uid) : 0);
}

json EncodePodObjectAt(const api::Pod& pod, uint64_t resource_version) {
  json j = api::EncodePod(pod);
  j["kind"] = "Pod";
  j["apiVersion"] = "v1";
  Stamp(j, resource_version);
  return j;
}

json EncodeEventObject(const api::Event& e, const WatchCache* versions) {
  json j = api::EncodeEvent(e);
  j["kind"] = "Event";
  j["apiVersion"] = "v1";
  if (versions != nullptr) Stamp(j, versions->EventVersion(e.name));
  return j;
}

json ListJson(std::string_view kind, json items, const WatchCache* versions) {
  return json{{"kind", kind},
              {"apiVersion", "v1"},
              {"metadata", ListMeta(versions)},
              {"items", std::move(items)}};
}

namespace {

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

}  // namespace

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

json PodTableRow(const HttpTarget& target, const api::Pod& pod, api::Time now,
                 const WatchCache* versions) {
  PodColumns c = PrintPod(pod, now);
  json object;
  const std::string* include = target.Query("includeObject");
  if (include != nullptr && *include == "Object") {
    object = EncodePodObject(pod, versions);
  } else if (include == nullptr || *include != "None") {
    // Metadata only: encode just that part (a full pod costs ten times more).
    api::Pod meta_only;
    meta_only.metadata = pod.metadata;
    object = RowObject(target, EncodePodObject(meta_only, versions));
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

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// A JSON document `envelope` plus "<key>": [items...], produced kItemsPerPiece items per call
// of HttpResponse::produce, so a long list never holds the loop for long (api_handler.h).
constexpr size_t kItemsPerPiece = 20;
// And pieces of kept texts (PodListResponse) copy at most this many bytes (about 0.2 ms).
constexpr size_t kBytesPerPiece = 1 << 20;
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

}  // namespace

HttpResponse PodTableResponse(const HttpTarget& target, std::vector<api::Pod> pods, api::Time now,
                              const WatchCache* versions) {
  auto shared = std::make_shared<std::vector<api::Pod>>(std::move(pods));
  json envelope{{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", ListMeta(versions)},
                {"columnDefinitions", PodColumnDefinitions()}};
  return PiecewiseList(envelope, "rows", shared->size(), [shared, target, now, versions](size_t i) {
    return PodTableRow(target, (*shared)[i], now, versions);
  });
}

std::shared_ptr<const std::string> PodObjectText(const PodView& pod, const WatchCache* versions,
                                                 PodEncodingCache* cache) {
  const std::string& uid = pod.pod->metadata.uid;
  uint64_t version = versions != nullptr ? versions->PodVersion(uid) : 0;
  if (cache != nullptr) {
    if (auto text = cache->Find(uid, pod.revision, version)) return text;
  }
  auto text = std::make_shared<const std::string>(Dump(EncodePodObjectAt(*pod.pod, version)));
  if (cache != nullptr) cache->Store(uid, pod.revision, version, text);
  return text;
}

HttpResponse PodListResponse(std::span<const PodView> pods, const WatchCache* versions,
                             std::shared_ptr<PodEncodingCache> cache) {
  // Each item is either its text (kept by the cache) or a copy of the pod to encode later, in
  // a piece of kItemsPerPiece encodings or kBytesPerPiece bytes, whichever comes first.
  struct Item {
    std::shared_ptr<const std::string> text;
    std::shared_ptr<const api::Pod> pod;
    uint64_t revision = 0;
    uint64_t version = 0;
  };
  struct State {
    std::string header;
    std::vector<Item> items;
    size_t known_bytes = 0;  // of the texts at hand
    size_t next = 0;
    bool started = false;
    std::shared_ptr<PodEncodingCache> cache;
  };
  auto state = std::make_shared<State>();
  json envelope{{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", ListMeta(versions)}};
  state->header = Dump(envelope);
  state->header.pop_back();  // the closing '}'
  state->header += ",\"items\":[";
  state->cache = std::move(cache);
  state->items.reserve(pods.size());
  size_t misses = 0;
  for (const PodView& p : pods) {
    Item item;
    item.revision = p.revision;
    item.version = versions != nullptr ? versions->PodVersion(p.pod->metadata.uid) : 0;
    if (state->cache) item.text = state->cache->Find(p.pod->metadata.uid, p.revision, item.version);
    if (item.text) {
      state->known_bytes += item.text->size();
    } else {
      item.pod = std::make_shared<const api::Pod>(*p.pod);
      ++misses;
    }
    state->items.push_back(std::move(item));
  }
  HttpResponse r;
  r.produce = [state, misses](std::string& out) {
    if (!state->started) {
      // One allocation for the whole body when every item is at hand (else a guess for the
      // rest from those that are): a body grown by doubling leaves the heap fragmented.
      size_t hits = state->items.size() - misses;
      size_t guess = hits > 0 ? state->known_bytes / hits : 4096;
      out.reserve(out.size() + state->header.size() + state->known_bytes + misses * guess +
                  state->items.size() + 2);
      out += state->header;
      state->started = true;
    }
    size_t encoded = 0;
    size_t copied = 0;
    for (; state->next < state->items.size() && encoded < kItemsPerPiece &&
           copied < kBytesPerPiece;
         ++state->next) {
      Item& item = state->items[state->next];
      if (!item.text) {
        item.text = std::make_shared<const std::string>(
            Dump(EncodePodObjectAt(*item.pod, item.version)));
        if (state->cache) {
          state->cache->Store(item.pod->metadata.uid, item.revision, item.version, item.text);
        }
        item.pod.reset();
        ++encoded;
      }
      if (state->next > 0) out += ',';
      out += *item.text;
      copied += item.text->size();
      item.text.reset();
    }
    if (state->next < state->items.size()) return false;
    out += "]}";
    return true;
  };
  return r;
}

json EventColumnDefinitions() {
  return json::array({
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
}

json EventTableRow(const HttpTarget& target, const api::Event& e, api::Time now,
                   const WatchCache* versions) {
  EventColumns c = PrintEvent(e, now);
  return {{"cells",
           {c.last_seen, c.type, c.reason, c.object, c.subobject, c.source, c.message, c.first_seen,
            c.count, c.name}},
          {"object", RowObject(target, EncodeEventObject(e, versions))}};
}

json EventTable(const HttpTarget& target, const std::vector<api::Event>& events, api::Time now,
                const WatchCache* versions) {
  json rows = json::array();
  for (const auto& e : events) rows.push_back(EventTableRow(target, e, now, versions));
  json table = TableJson(EventColumnDefinitions(), std::move(rows));
  table["metadata"] = ListMeta(versions);
  return table;
}

json TableColumn(std::string_view name, std::string_view description, int priority,
                 std::string_view format) {
  return Column(name, description, priority, format);
}
json TableRowObject(const HttpTarget& target, const json& object) {
  return RowObject(target, object);
}
json TableOf(json columns, json rows) { return TableJson(std::move(columns), std::move(rows)); }

}  // namespace probelet::server
