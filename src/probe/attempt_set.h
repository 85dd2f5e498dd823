// AttemptSet: what a socket prober (HTTP, TCP) keeps about its attempts; SpawnAttempt and
// DeliverOutcome: how an attempt's coroutine is started and its outcome delivered.
//
//  - The attempts in flight, listed so that the prober's destructor can cancel them (their
//    coroutines then wind down on the loop without calling back).
//  - A cap on how many hold a socket at once (ProbeSocketOptions::max_in_flight): later ones
//    wait in FIFO order with their timeout already running, as Go's client timeout runs from
//    Do(), so a flood of probes to dead endpoints ends in timeouts, not in EMFILE.
//  - One DeadlineList that times every attempt out (deadline_list.h says why one).
//
// Thread safety: the io_context's thread only. Ownership: an attempt owns itself (its coroutine
// frame); the set lists it by pointer from Add() until Remove(), or until the set is destroyed,
// which Cancel()s every attempt still listed. `A` is a DeadlineEntry with `A* prev, *next`
// members (the in-flight list, set only by this class) and `void Cancel()`.
#pragma once

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <utility>

#include "base/clock.h"
#include "probe/deadline_list.h"
#include "probe/probe_socket.h"
#include "probe/result.h"

namespace probelet::probe {

template <class A>
class AttemptSet {
 public:
  // `stats` (may be null: the set keeps its own) must outlive the set.
  AttemptSet(base::Clock& clock, size_t max_in_flight, ProberStats* stats)
      : deadlines_(clock),
        max_in_flight_(max_in_flight ? max_in_flight : DefaultMaxInFlight()),
        stats_(stats ? stats : &own_stats_) {}

  ~AttemptSet() {
    stats_->waiting -= waiting_.size();
    waiting_.clear();
    while (head_) {
      A* a = head_;
      Remove(*a);
      a->Cancel();
    }
  }
  AttemptSet(const AttemptSet&) = delete;
  AttemptSet& operator=(const AttemptSet&) = delete;

  // True when max_in_flight attempts are listed: a new one must Wait().
  bool full() const { return stats_->in_flight >= max_in_flight_; }

  // Queues `start` (FIFO) to run when a listed attempt is removed. It runs from Remove(), so it
  // must Add() its attempt and must not call back from within (an attempt that ends at once
  // posts its callback, DeliverOutcome). Its deadline should be counted from now.
  void Wait(std::function<void()> start) {
    waiting_.push_back(std::move(start));
    stats_->peak_waiting = std::max(stats_->peak_waiting, ++stats_->waiting);
  }

  // Lists `a`; with a positive `timeout` its OnDeadline() runs at `deadline` unless it is
  // removed first (a timeout <= 0 is none, as for Go's http.Client).
  void Add(A& a, base::MonoTime deadline, base::Duration timeout) {
    a.next = head_;
    if (head_) head_->prev = &a;
    head_ = &a;
    ++stats_->in_flight;
    stats_->peak_in_flight = std::max(stats_->peak_in_flight, stats_->in_flight);
    if (timeout > base::Duration::zero()) deadlines_.Add(a, deadline, timeout);
  }

  // Unlists `a` (once, when it finishes or is cancelled) and starts the next waiting attempt.
  void Remove(A& a) {
    if (a.prev) a.prev->next = a.next;
    if (a.next) a.next->prev = a.prev;
    if (head_ == &a) head_ = a.next;
    a.prev = a.next = nullptr;
    deadlines_.Remove(a);
    --stats_->in_flight;
    if (!waiting_.empty()) {
      std::function<void()> next = std::move(waiting_.front());
      waiting_.pop_front();
      --stats_->waiting;
      next();
    }
  }

  ProberStats& stats() { return *stats_; }

 private:
  DeadlineList deadlines_;
  size_t max_in_flight_;
  std::deque<std::function<void()>> waiting_;
  ProberStats own_stats_;
  ProberStats* stats_;
  A* head_ = nullptr;
};

// Starts `attempt->Run()` (an asio::awaitable<void>) on `io`; it runs up to its first wait
// before this returns, with `attempt->in_probe_call` set meanwhile. The coroutine frame and
// the completion handler share ownership of the attempt. An exception escaping the coroutine
// (allocation failure) ends the attempt through `attempt->Abort(what)`.
template <class A>
void SpawnAttempt(boost::asio::io_context& io, std::shared_ptr<A> attempt) {
  // `attempt` (this function's copy) keeps the attempt alive until in_probe_call is reset,
  // even if it finished within co_spawn.
  A* raw = attempt.get();
  raw->in_probe_call = true;
  boost::asio::co_spawn(io, raw->Run(), [attempt](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      attempt->Abort(ex.what());
    } catch (...) {
      attempt->Abort("unknown exception");
    }
  });
  raw->in_probe_call = false;
}

// Delivers an attempt's outcome: from a posted handler when still inside the prober's Probe()
// call (probers.h: never call back from inside it), else at once. The caller must not touch
// its prober afterwards: the callback may destroy it.
inline void DeliverOutcome(boost::asio::io_context& io, bool in_probe_call, OutcomeCallback done,
                           Outcome outcome) {
  if (in_probe_call) {
    boost::asio::post(
        io, [done = std::move(done), o = std::move(outcome)]() mutable { done(std::move(o)); });
    return;
  }
  done(std::move(outcome));
}

}  // namespace probelet::probe
