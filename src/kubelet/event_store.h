// EventStore: the in-memory, bounded event log of one probelet process, implementing
// api::EventRecorder (the kubelet's recorder plus the API server's event storage, §7.1).
//
// Identical events (same involved object, type, reason and message) are aggregated the way
// client-go's correlator does: the stored event's count rises and last_timestamp moves, so
// `describe` can print "x3 over 40s". When more than `capacity` distinct events are held, the one
// updated least recently is dropped. Timestamps are wall time from the injected clock.
//
// An optional observer sees every Record (after aggregation), e.g. to print a log line.
//
// Thread safety: one event loop thread. Ownership: the clock must outlive the store.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "api/event.h"
#include "base/clock.h"

namespace probelet::kubelet {

class EventStore : public api::EventRecorder {
 public:
  static constexpr size_t kDefaultCapacity = 1000;

  explicit EventStore(base::Clock& clock, size_t capacity = kDefaultCapacity,
                      std::string source_host = {});

  void Record(const api::ObjectReference& object, std::string_view type, std::string_view reason,
              std::string message) override;

  // Every stored event, oldest first (by first_timestamp, then insertion).
  std::vector<api::Event> List() const;
  size_t size() const { return events_.size(); }

  void SetObserver(std::function<void(const api::Event&)> observer) {
    observer_ = std::move(observer);
  }

 private:
  // (uid, field path, type, reason, message): the aggregation key.
  using Key = std::tuple<std::string, std::string, std::string, std::string, std::string>;
  struct Stored {
    uint64_t seq;  // insertion order, for List()
    Key key;
    api::Event event;
  };

  base::Clock& clock_;
  size_t capacity_;
  std::string source_host_;
  uint64_t next_seq_ = 0;
  int64_t last_name_nanos_ = 0;
  std::list<Stored> events_;  // least recently updated first
  std::map<Key, std::list<Stored>::iterator> index_;
  std::function<void(const api::Event&)> observer_;
};

}  // namespace probelet::kubelet
