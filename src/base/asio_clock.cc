#include "base/asio_clock.h"

#include <sys/timerfd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace probelet::base {

// Why AsioClock keeps its own timer queue and timerfd instead of asio::steady_timer:
//  - Asio re-programs its timerfd whenever the earliest deadline changes, and again after every
//    expiry; it rounds the relative wait down to the microsecond, so an expiry often comes a
//    fraction of a microsecond early, finds nothing due, and costs a second wake-up. Ten
//    thousand workers with spread deadlines cost 7-10 timerfd_settime calls per millisecond
//    that way (bench/probe_load, perf), and every wake-up of an idle loop is a context switch,
//    the largest single cost after the TCP handshake itself.
//  - Here every Timer of every AsioClock on the io_context sits in one heap (this Asio
//    service), and one timerfd is armed at an absolute CLOCK_MONOTONIC time: the head's
//    deadline rounded up to the millisecond. One expiry serves every timer due in that
//    millisecond; one timerfd_settime a millisecond at most. A deadline already past is run
//    from a posted handler on the next turn of the loop, with no system call.
//  - With no timer left the wait is cancelled, so a loop with no other work returns from run().
class AsioClock::Scheduler final : public boost::asio::execution_context::service {
 public:
  struct Entry {
    size_t index = kNotQueued;  // in heap_
    std::function<void()> fn;
  };
  static constexpr size_t kNotQueued = static_cast<size_t>(-1);

  // Asio's service identity (use_service); an immutable tag, not state.
  static inline boost::asio::execution_context::id id;

  explicit Scheduler(boost::asio::io_context& io)
      : boost::asio::execution_context::service(io), io_(io), timerfd_(io) {
    const int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
      throw std::runtime_error(std::string("timerfd_create: ") + std::strerror(errno));
    }
    timerfd_.assign(fd);
  }

  static MonoTime Now() { return MonoTime(std::chrono::steady_clock::now().time_since_epoch()); }

  void Add(Entry* e, MonoTime deadline, std::function<void()> fn) {
    Remove(e);
    e->fn = std::move(fn);
    e->index = heap_.size();
    heap_.push_back(Slot{deadline, next_seq_++, e});
    SiftUp(e->index);
    if (heap_[0].entry == e) Rearm();
  }

  void Remove(Entry* e) {
    if (e->index == kNotQueued) return;
    const size_t i = e->index;
    const Slot last = heap_.back();
    heap_.pop_back();
    e->index = kNotQueued;
    e->fn = nullptr;
    if (last.entry != e) {
      heap_[i] = last;
      last.entry->index = i;
      SiftDown(i);
      SiftUp(last.entry->index);
    }
    // With timers left, the pending wait may now be early: an early expiry runs nothing and
    // re-arms, cheaper than re-arming on every cancel. With none left, stop waiting.
    if (heap_.empty() && wait_pending_) {
      wait_pending_ = false;
      ++wait_generation_;
      boost::system::error_code ignored;
      timerfd_.cancel(ignored);
    }
  }

 private:
  void shutdown() override {
    // The io_context is going away: drop every callback (and what it holds) now.
    for (const Slot& slot : heap_) {
      slot.entry->index = kNotQueued;
      slot.entry->fn = nullptr;
    }
    heap_.clear();
    shut_down_ = true;
  }

  // A heap slot carries its entry's key, so that sifting compares without touching the
  // entries (10k workers' timers are 10k cache lines); only moved entries get their index.
  struct Slot {
    MonoTime deadline;
    uint64_t seq;  // arming order: ties fire first-armed first, and see Fire()
    Entry* entry;
  };
  static bool Before(const Slot& a, const Slot& b) {
    return a.deadline != b.deadline ? a.deadline < b.deadline : a.seq < b.seq;
  }
  void Place(size_t i, const Slot& slot) {
    heap_[i] = slot;
    slot.entry->index = i;
  }
  // A 4-ary heap: half the depth of a binary one, so a pop moves (and writes the index of)
  // half as many entries; the four children's keys are adjacent in heap_.
  static constexpr size_t kArity = 4;
  void SiftUp(size_t i) {
    const Slot moving = heap_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / kArity;
      if (!Before(moving, heap_[parent])) break;
      Place(i, heap_[parent]);
      i = parent;
    }
    Place(i, moving);
  }
  void SiftDown(size_t i) {
    const Slot moving = heap_[i];
    const size_t n = heap_.size();
    for (;;) {
      const size_t first = kArity * i + 1;
      if (first >= n) break;
      size_t child = first;
      for (size_t c = first + 1; c < std::min(first + kArity, n); ++c) {
        if (Before(heap_[c], heap_[child])) child = c;
      }
      if (!Before(heap_[child], moving)) break;
      Place(i, heap_[child]);
      i = child;
    }
    Place(i, moving);
  }

  // Makes sure the head will fire: on the next turn if it is due, else by a timerfd expiry at
  // its deadline rounded up to the millisecond (kept if a pending wait expires earlier).
  void Rearm() {
    if (heap_.empty() || shut_down_) return;
    const MonoTime head = heap_[0].deadline;
    if (head <= Now()) {
      if (!fire_posted_) {
        fire_posted_ = true;
        boost::asio::post(io_, [this] {
          fire_posted_ = false;
          Fire();
        });
      }
      return;
    }
    const MonoTime target = std::chrono::ceil<std::chrono::milliseconds>(head);
    // A wait pending since the timerfd was last armed will see its expiry; a new wait (after a
    // cancel, or after an expiry) always sets the timerfd, whatever an unheard expiry left.
    if (wait_pending_ && target >= armed_until_) return;
    itimerspec spec{};
    const auto since_epoch = target.time_since_epoch();
    spec.it_value.tv_sec = std::chrono::duration_cast<std::chrono::seconds>(since_epoch).count();
    spec.it_value.tv_nsec = (since_epoch % std::chrono::seconds(1)).count();
    timerfd_settime(timerfd_.native_handle(), TFD_TIMER_ABSTIME, &spec, nullptr);
    armed_until_ = target;
    if (wait_pending_) return;
    wait_pending_ = true;
    timerfd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                        [this, generation = wait_generation_](const boost::system::error_code& ec) {
                          // A cancelled wait, or one overtaken by a cancel and a new wait.
                          if (ec || generation != wait_generation_) return;
                          wait_pending_ = false;
                          Fire();
                        });
  }

  void Fire() {
    const MonoTime now = Now();
    // Timers armed by the callbacks below get later sequence numbers and wait for the next
    // turn of the loop, as Timer::Arm promises, even when already due.
    const uint64_t limit = next_seq_;
    while (!heap_.empty() && heap_[0].deadline <= now && heap_[0].seq < limit) {
      Entry* e = heap_[0].entry;
      auto fn = std::move(e->fn);
      Remove(e);
      fn();  // may re-arm, cancel or destroy any timer, this one included
    }
    Rearm();
  }

  boost::asio::io_context& io_;
  boost::asio::posix::stream_descriptor timerfd_;
  std::vector<Slot> heap_;
  uint64_t next_seq_ = 0;
  bool wait_pending_ = false;
  uint64_t wait_generation_ = 0;  // bumped by every cancel: stale completions are ignored
  MonoTime armed_until_{};
  bool fire_posted_ = false;
  bool shut_down_ = false;
};

namespace {

class AsioTimer : public Timer {
 public:
  explicit AsioTimer(AsioClock::Scheduler& scheduler) : scheduler_(scheduler) {}
  ~AsioTimer() override { scheduler_.Remove(&entry_); }

  void Arm(MonoTime deadline, std::function<void()> fn) override {
    scheduler_.Add(&entry_, deadline, std::move(fn));
  }
  void Cancel() override { scheduler_.Remove(&entry_); }
  bool armed() const override { return entry_.index != AsioClock::Scheduler::kNotQueued; }

 private:
  AsioClock::Scheduler& scheduler_;  // the io_context's; outlives the timer (see the header)
  AsioClock::Scheduler::Entry entry_;
};

}  // namespace

AsioClock::AsioClock(boost::asio::io_context& io)
    : scheduler_(boost::asio::use_service<Scheduler>(io)) {}
AsioClock::~AsioClock() = default;

MonoTime AsioClock::Now() const { return Scheduler::Now(); }
WallTime AsioClock::WallNow() const {
  return WallTime(std::chrono::system_clock::now().time_since_epoch());
}
std::unique_ptr<Timer> AsioClock::NewTimer() { return std::make_unique<AsioTimer>(scheduler_); }

}  // namespace probelet::base
