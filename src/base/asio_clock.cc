#include "base/asio_clock.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <utility>
#include <vector>

namespace probelet::base {

// Why AsioClock keeps its own timer queue instead of one asio::steady_timer per Timer:
// Asio re-programs its timerfd whenever the earliest deadline changes. Ten thousand probe
// workers with evenly spread periodic deadlines change the earliest deadline on every firing:
// 10k timerfd_settime calls a second, about a third of the prober manager's own CPU
// (bench/prober_scale --null-prober). Here every Timer sits in one binary heap and a single
// asio timer waits for the head, rounded up to the next millisecond, so a wait serves every
// timer due in that millisecond: at most ~1000 re-arms a second, each firing a batch. A timer
// fires at most 1 ms after its deadline; a deadline already past fires on the next loop turn.
class AsioClock::Scheduler : public std::enable_shared_from_this<Scheduler> {
 public:
  struct Entry {
    MonoTime deadline{};
    uint64_t seq = 0;
    size_t index = kNotQueued;
    std::function<void()> fn;
  };
  static constexpr size_t kNotQueued = static_cast<size_t>(-1);

  explicit Scheduler(boost::asio::io_context& io) : timer_(io) {}

  static MonoTime Now() { return MonoTime(std::chrono::steady_clock::now().time_since_epoch()); }

  void Add(Entry* e, MonoTime deadline, std::function<void()> fn) {
    Remove(e);
    e->deadline = deadline;
    e->seq = next_seq_++;
    e->fn = std::move(fn);
    e->index = heap_.size();
    heap_.push_back(e);
    SiftUp(e->index);
    if (heap_[0] == e) Rearm();
  }

  void Remove(Entry* e) {
    if (e->index == kNotQueued) return;
    size_t i = e->index;
    Entry* last = heap_.back();
    heap_.pop_back();
    e->index = kNotQueued;
    e->fn = nullptr;
    if (last != e) {
      heap_[i] = last;
      last->index = i;
      SiftDown(i);
      SiftUp(last->index);
    }
    // With timers left, the asio wait may now be early: firing early runs nothing and re-arms,
    // cheaper than re-arming on every cancel. With none left, cancel it, so a loop with no
    // other work can return from run().
    if (heap_.empty() && waiting_) {
      waiting_ = false;
      timer_.cancel();
    }
  }

 private:
  static bool Before(const Entry* a, const Entry* b) {
    return a->deadline != b->deadline ? a->deadline < b->deadline : a->seq < b->seq;
  }
  void Swap(size_t i, size_t j) {
    std::swap(heap_[i], heap_[j]);
    heap_[i]->index = i;
    heap_[j]->index = j;
  }
  void SiftUp(size_t i) {
    while (i > 0) {
      size_t parent = (i - 1) / 2;
      if (!Before(heap_[i], heap_[parent])) break;
      Swap(i, parent);
      i = parent;
    }
  }
  void SiftDown(size_t i) {
    for (;;) {
      size_t l = 2 * i + 1, r = l + 1, m = i;
      if (l < heap_.size() && Before(heap_[l], heap_[m])) m = l;
      if (r < heap_.size() && Before(heap_[r], heap_[m])) m = r;
      if (m == i) return;
      Swap(i, m);
      i = m;
    }
  }

  // Points the asio wait at the head's deadline (rounded up to the millisecond unless it has
  // passed), when that is earlier than the wait already pending.
  void Rearm() {
    if (heap_.empty()) return;
    MonoTime head = heap_[0]->deadline;
    MonoTime target = head;
    if (head > Now()) target = std::chrono::ceil<std::chrono::milliseconds>(head);
    if (waiting_ && target >= wait_until_) return;
    waiting_ = true;
    wait_until_ = target;
    timer_.expires_at(std::chrono::steady_clock::time_point(target.time_since_epoch()));
    timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;  // cancelled by an earlier re-arm, or the clock is gone
      if (auto self = weak.lock()) self->Fire();
    });
  }

  void Fire() {
    waiting_ = false;
    const MonoTime now = Now();
    // Timers armed by the callbacks below get later sequence numbers and wait for the next
    // turn of the loop, as Timer::Arm promises, even when already due.
    const uint64_t limit = next_seq_;
    while (!heap_.empty() && heap_[0]->deadline <= now && heap_[0]->seq < limit) {
      Entry* e = heap_[0];
      auto fn = std::move(e->fn);
      Remove(e);
      fn();  // may re-arm, cancel or destroy any timer, this one included
    }
    Rearm();
  }

  boost::asio::steady_timer timer_;
  std::vector<Entry*> heap_;
  uint64_t next_seq_ = 0;
  bool waiting_ = false;
  MonoTime wait_until_{};
};

namespace {

class AsioTimer : public Timer {
 public:
  explicit AsioTimer(std::shared_ptr<AsioClock::Scheduler> scheduler)
      : scheduler_(std::move(scheduler)) {}
  ~AsioTimer() override { scheduler_->Remove(&entry_); }

  void Arm(MonoTime deadline, std::function<void()> fn) override {
    scheduler_->Add(&entry_, deadline, std::move(fn));
  }
  void Cancel() override { scheduler_->Remove(&entry_); }
  bool armed() const override { return entry_.index != AsioClock::Scheduler::kNotQueued; }

 private:
  // Shared: a timer may outlive the clock that made it (never the io_context).
  std::shared_ptr<AsioClock::Scheduler> scheduler_;
  AsioClock::Scheduler::Entry entry_;
};

}  // namespace

AsioClock::AsioClock(boost::asio::io_context& io) : scheduler_(std::make_shared<Scheduler>(io)) {}
AsioClock::~AsioClock() = default;

MonoTime AsioClock::Now() const { return Scheduler::Now(); }
WallTime AsioClock::WallNow() const {
  return WallTime(std::chrono::system_clock::now().time_since_epoch());
}
std::unique_ptr<Timer> AsioClock::NewTimer() { return std::make_unique<AsioTimer>(scheduler_); }

}  // namespace probelet::base
