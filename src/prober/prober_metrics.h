// ProberMetrics: the kubelet's two probe metrics (defined in prober_manager.go, recorded in
// worker.go doProbe; §7.2), kept in memory and written as Prometheus text exposition (format
// 0.0.4) for the API server's /metrics.
//
//   prober_probe_total{probe_type,result,container,pod,namespace,pod_uid}  counter, BETA
//   prober_probe_duration_seconds{probe_type,container,pod,namespace}       histogram, ALPHA,
//       the Prometheus default buckets (0.005 ... 10, +Inf)
//
// Recording rules (worker.cc, the kubelet's doProbe): one Observe per handled probe (errored,
// discarded probes are not recorded); the counter's `result` is "successful", "failed" or
// "unknown"; the duration is observed for Success and Unknown, never for Failure (§7.2.2).
// Series exist from their first observation (as client_golang's With()) and a worker deletes
// its own when it stops (§7.2.4).
//
// Each worker's series are one node here, and the worker keeps a pointer to it, so recording a
// probe costs no lookup and an idle worker costs nothing. Deviation, documented: the duration
// series has no pod_uid, so two workers whose pods share namespace/name/container (a pod
// recreated while the old one still terminates) share one; the kubelet deletes it when either
// stops, here it is deleted when the last of them stops.
//
// Thread safety: event loop thread only. Ownership: outlives every ProberManager recording
// into it (series pointers point here).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "prober/probe_type.h"
#include "prober/results_manager.h"

namespace probelet::prober {

class ProberMetrics {
 public:
  // The Prometheus client's DefBuckets (upper bounds, seconds); +Inf is implied.
  static constexpr std::array<double, 11> kDurationBuckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                              0.5,   1,    2.5,   5,    10};

  struct Labels {
    ProbeType probe_type;
    std::string_view container;
    std::string_view pod;
    std::string_view namespace_;
    std::string_view pod_uid;
  };
  // One worker's series (opaque outside prober_metrics.cc).
  struct Series;

  ProberMetrics();
  ~ProberMetrics();
  ProberMetrics(const ProberMetrics&) = delete;
  ProberMetrics& operator=(const ProberMetrics&) = delete;

  // Records one handled probe. Pass the pointer this returned last time (nullptr at first)
  // and keep the returned one; `labels` are read only when `series` is nullptr.
  Series* Observe(Series* series, const Labels& labels, CachedResult result,
                  base::Duration duration);
  // Deletes a worker's series (nullptr: nothing to do).
  void Delete(Series* series);

  // Where a piecewise WriteText stopped (defined below).
  class TextCursor;

  // Appends the exposition text; metric families with no series are left out.
  void WriteText(std::string& out) const;
  // Appends the next `max_series` series after `cursor` (a default one: from the start) and
  // moves it on; true once the text is complete. Between calls the loop may run probes, and a
  // series added or deleted meanwhile is written or not by where its key falls, as a scrape of a
  // client_golang registry sees a series that comes or goes while it is collected. Each family's
  // HELP and TYPE come once, before its first series.
  bool WriteText(std::string& out, TextCursor& cursor, size_t max_series) const;

  // For tests: the counter value, or -1 when the series does not exist.
  int64_t ProbeTotal(const Labels& labels, std::string_view result) const;
  // For tests: the histogram's sample count, or -1 when the series does not exist.
  int64_t DurationCount(const Labels& labels) const;

 private:
  struct Histogram;
  // Label values in the exposition's (sorted) label order, so map order is output order.
  using CounterKey = std::array<std::string, 5>;    // container, namespace, pod, pod_uid, type
  using HistogramKey = std::array<std::string, 4>;  // container, namespace, pod, probe_type
  static CounterKey MakeCounterKey(const Labels& l);
  static HistogramKey MakeHistogramKey(const Labels& l);

  std::map<CounterKey, Series> series_;
  std::map<HistogramKey, Histogram> histograms_;
};

// The family being written, and the key of the last series written in it.
class ProberMetrics::TextCursor {
 public:
  bool done() const { return family_ == Family::kDone; }

 private:
  friend class ProberMetrics;
  enum class Family : uint8_t { kCounters, kHistograms, kDone };
  Family family_ = Family::kCounters;
  std::optional<CounterKey> last_counter_;
  std::optional<HistogramKey> last_histogram_;
};

}  // namespace probelet::prober
