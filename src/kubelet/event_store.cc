#include "kubelet/event_store.h"

#include <algorithm>
#include <cstdio>

namespace probelet::kubelet {

EventStore::EventStore(base::Clock& clock, size_t capacity, std::string source_host)
    : clock_(clock),
      capacity_(std::max<size_t>(capacity, 1)),
      source_host_(std::move(source_host)) {}

void EventStore::Record(const api::ObjectReference& object, std::string_view type,
                        std::string_view reason, std::string message) {
  api::Time now = clock_.WallNow();
  Key key{object.uid.empty() ? object.namespace_ + "/" + object.name : object.uid,
          object.field_path, std::string(type), std::string(reason), message};
  if (auto it = index_.find(key); it != index_.end()) {
    Stored& s = *it->second;
    s.event.count++;
    s.event.last_timestamp = now;
    events_.splice(events_.end(), events_, it->second);  // now the most recently updated
    if (observer_) observer_(s.event);
    return;
  }
  api::Event e;
  // The recorder names events "<object>.<unix nanos in hex>"; bump on a tie to stay unique.
  int64_t nanos = now.time_since_epoch().count();
  if (nanos <= last_name_nanos_) nanos = last_name_nanos_ + 1;
  last_name_nanos_ = nanos;
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(nanos));
  e.name = object.name + "." + hex;
  e.involved_object = object;
  e.type = type;
  e.reason = reason;
  e.message = std::move(message);
  e.count = 1;
  e.first_timestamp = now;
  e.last_timestamp = now;
  e.source_host = source_host_;
  events_.push_back(Stored{next_seq_++, key, std::move(e)});
  index_[key] = std::prev(events_.end());
  if (events_.size() > capacity_) {
    index_.erase(events_.front().key);
    events_.pop_front();
  }
  if (observer_) observer_(events_.back().event);
}

std::vector<api::Event> EventStore::List() const {
  std::vector<const Stored*> ordered;
  ordered.reserve(events_.size());
  for (const auto& s : events_) ordered.push_back(&s);
  std::sort(ordered.begin(), ordered.end(),
            [](const Stored* a, const Stored* b) { return a->seq < b->seq; });
  std::vector<api::Event> out;
  out.reserve(ordered.size());
  for (const Stored* s : ordered) out.push_back(s->event);
  return out;
}

}  // namespace probelet::kubelet
