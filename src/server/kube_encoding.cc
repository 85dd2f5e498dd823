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

namespace {

// A row of the pods' Table without its "object": cells, and conditions for a finished pod.
json PodRowCells(const api::Pod& pod, api::Time now) {
  PodColumns c = PrintPod(pod, now);
  json row{{"cells",
            {c.name, c.ready, c.status, c.restarts, c.age, c.ip, c.node, c.nominated_node,
             c.readiness_gates}}};
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

}  // namespace

json PodTableRow(const HttpTarget& target, const api::Pod& pod, api::Time now,
                 const WatchCache* versions) {
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
  json row = PodRowCells(pod, now);
  row["object"] = std::move(object);
  return row;
}

namespace {

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Pod lists and Tables are produced in pieces (HttpResponse::produce) so that a long list never
// holds the loop for long (api_handler.h): at most kItemsPerPiece encodings a piece, and at most
// kBytesPerPiece bytes of kept texts copied (about 0.2 ms).
constexpr size_t kItemsPerPiece = 20;
constexpr size_t kBytesPerPiece = 1 << 20;

// The text of one pod of the kind `kind` stamped with `version`: a v1 Pod, or a Table row's
// PartialObjectMetadata (what PodTableRow puts in "object" by default).
std::string PodText(const api::Pod& pod, PodTextKind kind, uint64_t version,
                    const HttpTarget& target) {
  if (kind == PodTextKind::kObject) return Dump(EncodePodObjectAt(pod, version));
  return Dump(RowObject(target, EncodePodObjectAt(pod, version)));
}

// A list of pods whose items are texts: each is `before` + the pod's text (kept by the cache,
// or encoded from a copy of the pod, a piece at a time) + `after`. Copies of kept texts are
// cheap; encodings are kItemsPerPiece a piece, copies kBytesPerPiece.
struct PodTextItem {
  std::string before;
  std::shared_ptr<const std::string> text;
  std::shared_ptr<const api::Pod> pod;  // to encode when there is no text
  uint64_t revision = 0;
  uint64_t version = 0;
  std::string_view after;
};

class PodTexts {
 public:
  PodTexts(const json& envelope, std::string_view key, PodTextKind kind, HttpTarget target,
           const WatchCache* versions, std::shared_ptr<PodEncodingCache> cache)
      : kind_(kind), target_(std::move(target)), versions_(versions), cache_(std::move(cache)) {
    header_ = Dump(envelope);
    header_.pop_back();  // the closing '}'
    header_ += fmt::format(",\"{}\":[", key);
  }

  // Adds `pod`'s item: its text if kept, else a copy of the pod (of its metadata when that is
  // all the text shows).
  void Add(const PodView& view, std::string before = {}, std::string_view after = {}) {
    PodTextItem item;
    item.before = std::move(before);
    item.after = after;
    item.revision = view.revision;
    item.version = versions_ != nullptr ? versions_->PodVersion(view.pod->metadata.uid) : 0;
    if (cache_)
      item.text = cache_->Find(view.pod->metadata.uid, kind_, view.revision, item.version);
    if (item.text) {
      known_bytes_ += item.text->size();
      ++hits_;
    } else if (kind_ == PodTextKind::kObject) {
      item.pod = std::make_shared<const api::Pod>(*view.pod);
    } else {
      auto meta_only = std::make_shared<api::Pod>();
      meta_only->metadata = view.pod->metadata;
      item.pod = std::move(meta_only);
    }
    known_bytes_ += item.before.size() + item.after.size();
    items_.push_back(std::move(item));
  }
  // Adds an item that is `text` alone.
  void AddText(std::string text) {
    PodTextItem item;
    item.text = std::make_shared<const std::string>(std::move(text));
    known_bytes_ += item.text->size();
    ++hits_;
    items_.push_back(std::move(item));
  }
  void Reserve(size_t n) { items_.reserve(n); }

  // HttpResponse::produce.
  bool Produce(std::string& out) {
    if (!started_) {
      // One allocation for the whole body when every text is at hand (else a guess for the
      // rest from those that are): a body grown by doubling leaves the heap fragmented.
      size_t misses = items_.size() - hits_;
      size_t guess = hits_ > 0 ? known_bytes_ / hits_ : 4096;
      out.reserve(out.size() + header_.size() + known_bytes_ + misses * guess + items_.size() + 2);
      out += header_;
      started_ = true;
    }
    size_t encoded = 0;
    size_t copied = 0;
    for (; next_ < items_.size() && encoded < kItemsPerPiece && copied < kBytesPerPiece; ++next_) {
      PodTextItem& item = items_[next_];
      if (!item.text) {
        item.text =
            std::make_shared<const std::string>(PodText(*item.pod, kind_, item.version, target_));
        if (cache_) {
          cache_->Store(item.pod->metadata.uid, kind_, item.revision, item.version, item.text);
        }
        item.pod.reset();
        ++encoded;
      }
      if (next_ > 0) out += ',';
      out += item.before;
      out += *item.text;
      out += item.after;
      copied += item.before.size() + item.text->size();
      item = PodTextItem();
    }
    if (next_ < items_.size()) return false;
    out += "]}";
    return true;
  }

 private:
  std::string header_;
  PodTextKind kind_;
  HttpTarget target_;
  const WatchCache* versions_;
  std::shared_ptr<PodEncodingCache> cache_;
  std::vector<PodTextItem> items_;
  size_t known_bytes_ = 0;
  size_t hits_ = 0;
  size_t next_ = 0;
  bool started_ = false;
};

HttpResponse Respond(std::shared_ptr<PodTexts> texts) {
  HttpResponse r;
  r.produce = [texts = std::move(texts)](std::string& out) { return texts->Produce(out); };
  return r;
}

}  // namespace

HttpResponse PodTableResponse(const HttpTarget& target, std::span<const PodView> pods,
                              api::Time now, const WatchCache* versions,
                              std::shared_ptr<PodEncodingCache> cache) {
  json envelope{{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", ListMeta(versions)},
                {"columnDefinitions", PodColumnDefinitions()}};
  // A row is {"cells":[...],"conditions"?:[...],"object":...} (keys sorted, as PodTableRow's
  // JSON dumps them): the cells change with `now`, the object only with the pod.
  const std::string* include = target.Query("includeObject");
  bool none = include != nullptr && *include == "None";
  PodTextKind kind =
      include != nullptr && *include == "Object" ? PodTextKind::kObject : PodTextKind::kRowMetadata;
  auto texts =
      std::make_shared<PodTexts>(envelope, "rows", kind, target, versions, std::move(cache));
  texts->Reserve(pods.size());
  for (const PodView& p : pods) {
    std::string before = Dump(PodRowCells(*p.pod, now));
    before.pop_back();  // the closing '}'
    before += ",\"object\":";
    if (none) {
      texts->AddText(before + "null}");
    } else {
      texts->Add(p, std::move(before), "}");
    }
  }
  return Respond(std::move(texts));
}

HttpResponse PodListResponse(std::span<const PodView> pods, const WatchCache* versions,
                             std::shared_ptr<PodEncodingCache> cache) {
  json envelope{{"kind", "PodList"}, {"apiVersion", "v1"}, {"metadata", ListMeta(versions)}};
  auto texts = std::make_shared<PodTexts>(envelope, "items", PodTextKind::kObject, HttpTarget(),
                                          versions, std::move(cache));
  texts->Reserve(pods.size());
  for (const PodView& p : pods) texts->Add(p);
  return Respond(std::move(texts));
}

std::shared_ptr<const std::string> PodObjectText(const PodView& pod, const WatchCache* versions,
                                                 PodEncodingCache* cache) {
  const std::string& uid = pod.pod->metadata.uid;
  uint64_t version = versions != nullptr ? versions->PodVersion(uid) : 0;
  if (cache != nullptr) {
    if (auto text = cache->Find(uid, PodTextKind::kObject, pod.revision, version)) return text;
  }
  auto text = std::make_shared<const std::string>(Dump(EncodePodObjectAt(*pod.pod, version)));
  if (cache != nullptr) cache->Store(uid, PodTextKind::kObject, pod.revision, version, text);
  return text;
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
