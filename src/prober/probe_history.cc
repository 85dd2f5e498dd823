#include "prober/probe_history.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <unordered_set>
#include <utility>

namespace probelet::prober {
namespace {

// The first `max` bytes of `s`, not splitting a UTF-8 sequence (the API serves it as JSON).
std::string_view Cut(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

// `value` as a shared string: `previous` itself when equal (no second copy).
std::shared_ptr<const std::string> Share(const std::shared_ptr<const std::string>& previous,
                                         std::string_view value) {
  if (previous && *previous == value) return previous;
  return std::make_shared<const std::string>(value);
}

}  // namespace

std::string ThresholdState(CachedResult run_result, int32_t run, int32_t threshold) {
  std::string kind = run_result == CachedResult::kFailure ? "failure" : "success";
  return kind + " " + std::to_string(run) + " of " + std::to_string(threshold);
}

ProbeHistory::ProbeHistory(size_t capacity) : capacity_(capacity) { assert(capacity_ > 0); }

void ProbeHistory::Add(ProbeAttempt attempt, std::string_view output,
                       std::string_view container_id) {
  const ProbeAttempt* prev = last();
  attempt.output = Share(prev ? prev->output : nullptr, Cut(output, kMaxOutputBytes));
  attempt.container_id = Share(prev ? prev->container_id : nullptr, container_id);
  ++total_;
  if (ring_.size() < capacity_) {
    // Growing: the oldest is still at index 0. Grow by doubling, but never past capacity_.
    if (ring_.size() == ring_.capacity()) {
      ring_.reserve(std::min(capacity_, std::max<size_t>(8, 2 * ring_.capacity())));
    }
    ring_.push_back(std::move(attempt));
    ++size_;
    return;
  }
  ring_[head_] = std::move(attempt);  // overwrite the oldest
  head_ = (head_ + 1) % capacity_;
}

std::vector<ProbeAttempt> ProbeHistory::Snapshot(size_t limit, api::Time since) const {
  // Attempts are in start order, so the newer ones are a suffix. Starts are compared as the
  // API prints them (microseconds), so `since` set to an attempt's printed start excludes it.
  auto newer = [&](const ProbeAttempt& a) {
    return std::chrono::floor<std::chrono::microseconds>(a.start) > since;
  };
  size_t first = size_;
  while (first > 0 && size_ - first < limit && newer(at(first - 1))) --first;
  std::vector<ProbeAttempt> out;
  out.reserve(size_ - first);
  for (size_t i = first; i < size_; ++i) out.push_back(at(i));
  return out;
}

size_t ProbeHistory::MemoryBytes() const {
  size_t bytes = ring_.capacity() * sizeof(ProbeAttempt);
  std::unordered_set<const std::string*> seen;
  for (const ProbeAttempt& a : ring_) {
    for (const auto* s : {a.output.get(), a.container_id.get()}) {
      if (s == nullptr || !seen.insert(s).second) continue;
      // make_shared: one block with the control words and the string; a long string's
      // characters in a second block.
      bytes += sizeof(std::string) + 2 * sizeof(void*);
      if (s->capacity() > 15) bytes += s->capacity() + 1;
    }
  }
  return bytes;
}

}  // namespace probelet::prober
