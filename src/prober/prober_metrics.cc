#include "prober/prober_metrics.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <iterator>

namespace probelet::prober {

struct ProberMetrics::Histogram {
  std::array<uint64_t, kDurationBuckets.size()> buckets{};  // non-cumulative counts
  uint64_t count = 0;
  double sum = 0;
  int refs = 0;  // worker series pointing here
};

struct ProberMetrics::Series {
  const CounterKey* key = nullptr;  // the map key (stable in a std::map)
  // By result: failed, successful, unknown (the exposition's order); -1 = series absent.
  std::array<int64_t, 3> counts{-1, -1, -1};
  std::map<HistogramKey, Histogram>::iterator histogram;
  bool has_histogram = false;
};

namespace {

constexpr std::array<std::string_view, 3> kResultLabels = {"failed", "successful", "unknown"};

size_t ResultIndex(CachedResult r) {
  switch (r) {
    case CachedResult::kFailure:
      return 0;
    case CachedResult::kSuccess:
      return 1;
    default:
      return 2;
  }
}

void AppendDouble(std::string& out, double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

template <typename Int>
void AppendInt(std::string& out, Int v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, res.ptr);
}

void AppendLabelValue(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

void AppendLabel(std::string& out, std::string_view name, std::string_view value, bool first) {
  if (!first) out += ',';
  out += name;
  out += "=\"";
  AppendLabelValue(out, value);
  out += '"';
}

}  // namespace

ProberMetrics::ProberMetrics() = default;
ProberMetrics::~ProberMetrics() = default;

ProberMetrics::CounterKey ProberMetrics::MakeCounterKey(const Labels& l) {
  return {std::string(l.container), std::string(l.namespace_), std::string(l.pod),
          std::string(l.pod_uid), std::string(ToString(l.probe_type))};
}

ProberMetrics::HistogramKey ProberMetrics::MakeHistogramKey(const Labels& l) {
  return {std::string(l.container), std::string(l.namespace_), std::string(l.pod),
          std::string(ToString(l.probe_type))};
}

ProberMetrics::Series* ProberMetrics::Observe(Series* series, const Labels& labels,
                                              CachedResult result, base::Duration duration) {
  if (series == nullptr) {
    auto [it, inserted] = series_.try_emplace(MakeCounterKey(labels));
    series = &it->second;
    series->key = &it->first;
  }
  int64_t& count = series->counts[ResultIndex(result)];
  count = count < 0 ? 1 : count + 1;
  // doProbe observes the duration only for non-Failure results (§7.2.2).
  if (result == CachedResult::kFailure) return series;
  if (!series->has_histogram) {
    // Rebuild the histogram labels from the counter key (labels may be absent here).
    const CounterKey& k = *series->key;
    auto [it, inserted] = histograms_.try_emplace(HistogramKey{k[0], k[1], k[2], k[4]});
    it->second.refs++;
    series->histogram = it;
    series->has_histogram = true;
  }
  Histogram& h = series->histogram->second;
  double seconds = std::chrono::duration<double>(duration).count();
  for (size_t i = 0; i < kDurationBuckets.size(); ++i) {
    if (seconds <= kDurationBuckets[i]) {
      h.buckets[i]++;
      break;
    }
  }
  h.count++;
  h.sum += seconds;
  return series;
}

void ProberMetrics::Delete(Series* series) {
  if (series == nullptr) return;
  if (series->has_histogram && --series->histogram->second.refs == 0) {
    histograms_.erase(series->histogram);
  }
  // Find the node first: erasing by `*series->key` would hand erase a reference into the
  // node it destroys.
  auto it = series_.find(*series->key);
  if (it != series_.end()) series_.erase(it);
}

void ProberMetrics::WriteText(std::string& out) const {
  TextCursor cursor;
  while (!WriteText(out, cursor, SIZE_MAX)) {
  }
}

bool ProberMetrics::WriteText(std::string& out, TextCursor& cursor, size_t max_series) const {
  using Family = TextCursor::Family;
  size_t written = 0;
  if (cursor.family_ == Family::kCounters) {
    auto it = series_.begin();
    if (cursor.last_counter_) {
      it = series_.upper_bound(*cursor.last_counter_);
    } else if (!series_.empty()) {
      out +=
          "# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup "
          "probe for a container by result.\n"
          "# TYPE prober_probe_total counter\n";
    }
    const size_t before = written;
    for (; it != series_.end() && written < max_series; ++it, ++written) {
      const auto& [k, s] = *it;
      for (size_t r = 0; r < kResultLabels.size(); ++r) {
        if (s.counts[r] < 0) continue;
        out += "prober_probe_total{";
        AppendLabel(out, "container", k[0], true);
        AppendLabel(out, "namespace", k[1], false);
        AppendLabel(out, "pod", k[2], false);
        AppendLabel(out, "pod_uid", k[3], false);
        AppendLabel(out, "probe_type", k[4], false);
        AppendLabel(out, "result", kResultLabels[r], false);
        out += "} ";
        AppendInt(out, s.counts[r]);
        out += '\n';
      }
    }
    if (written > before) cursor.last_counter_ = std::prev(it)->first;
    if (it != series_.end()) return false;
    cursor.family_ = Family::kHistograms;
  }
  if (cursor.family_ == Family::kHistograms) {
    if (written >= max_series) return false;  // the family's first series, and HELP, come next
    auto it = histograms_.begin();
    if (cursor.last_histogram_) {
      it = histograms_.upper_bound(*cursor.last_histogram_);
    } else if (!histograms_.empty()) {
      out +=
          "# HELP prober_probe_duration_seconds [ALPHA] Duration in seconds for a probe "
          "response.\n"
          "# TYPE prober_probe_duration_seconds histogram\n";
    }
    std::string labels;
    const size_t before = written;
    for (; it != histograms_.end() && written < max_series; ++it, ++written) {
      const auto& [k, h] = *it;
      labels.clear();
      AppendLabel(labels, "container", k[0], true);
      AppendLabel(labels, "namespace", k[1], false);
      AppendLabel(labels, "pod", k[2], false);
      AppendLabel(labels, "probe_type", k[3], false);
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= kDurationBuckets.size(); ++i) {
        out += "prober_probe_duration_seconds_bucket{";
        out += labels;
        out += ",le=\"";
        if (i < kDurationBuckets.size()) {
          cumulative += h.buckets[i];
          AppendDouble(out, kDurationBuckets[i]);
        } else {
          cumulative = h.count;
          out += "+Inf";
        }
        out += "\"} ";
        AppendInt(out, cumulative);
        out += '\n';
      }
      out += "prober_probe_duration_seconds_sum{";
      out += labels;
      out += "} ";
      AppendDouble(out, h.sum);
      out += "\nprober_probe_duration_seconds_count{";
      out += labels;
      out += "} ";
      AppendInt(out, h.count);
      out += '\n';
    }
    if (written > before) cursor.last_histogram_ = std::prev(it)->first;
    if (it != histograms_.end()) return false;
    cursor.family_ = Family::kDone;
  }
  return true;
}

int64_t ProberMetrics::ProbeTotal(const Labels& labels, std::string_view result) const {
  auto it = series_.find(MakeCounterKey(labels));
  if (it == series_.end()) return -1;
  for (size_t r = 0; r < kResultLabels.size(); ++r) {
    if (kResultLabels[r] == result) return it->second.counts[r];
  }
  return -1;
}

int64_t ProberMetrics::DurationCount(const Labels& labels) const {
  auto it = histograms_.find(MakeHistogramKey(labels));
  return it == histograms_.end() ? -1 : static_cast<int64_t>(it->second.count);
}

}  // namespace probelet::prober
