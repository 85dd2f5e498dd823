#include "base/async_writer.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string_view>
#include <thread>
#include <utility>

namespace probelet::base {

struct AsyncWriter::Shared {
  struct Item {
    std::shared_ptr<Target> target;
    std::string data;
    uint64_t lines;
  };

  std::mutex mu;
  std::condition_variable wake;      // the thread: work or stop
  std::condition_variable progress;  // Flush and the destructor: written, or finished
  std::deque<Item> queue;
  size_t queued_bytes = 0;
  size_t max_queued_bytes = 0;
  uint64_t enqueued = 0, done = 0;  // items, for Flush
  bool stop = false, finished = false;
  Counters totals;

  static void Drop(Target& target, Counters& totals, uint64_t bytes, uint64_t lines) {
    target.counters->dropped_bytes += bytes;
    target.counters->dropped_lines += lines;
    totals.dropped_bytes += bytes;
    totals.dropped_lines += lines;
  }

  // The thread's body: writes items in order, without the lock held.
  void Run() {
    std::unique_lock lock(mu);
    for (;;) {
      wake.wait(lock, [&] { return stop || !queue.empty(); });
      if (queue.empty()) break;  // stopping, and everything is written
      Item item = std::move(queue.front());
      queue.pop_front();
      lock.unlock();
      const size_t size = item.data.size();
      std::string_view rest = item.data;
      while (!rest.empty()) {
        ssize_t n = ::write(item.target->fd.get(), rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // disk full, I/O error, EPIPE...: the rest is dropped
        item.target->counters->written_bytes += static_cast<uint64_t>(n);
        totals.written_bytes += static_cast<uint64_t>(n);
        rest.remove_prefix(static_cast<size_t>(n));
      }
      // A failed item counts as dropped lines only when none of it was written.
      if (!rest.empty()) {
        Drop(*item.target, totals, rest.size(), rest.size() == size ? item.lines : 0);
      }
      item = {};  // the last queued write of a target closes its fd here, off the loop
      lock.lock();
      queued_bytes -= size;
      ++done;
      progress.notify_all();
    }
    finished = true;
    progress.notify_all();
  }
};

AsyncWriter::AsyncWriter(size_t max_queued_bytes, std::chrono::milliseconds drain_limit)
    : shared_(std::make_shared<Shared>()), drain_limit_(drain_limit) {
  shared_->max_queued_bytes = max_queued_bytes;
  std::thread([shared = shared_] {
    // No signal for this thread: process signals go to the loop's thread, and a write to a
    // pipe whose reader is gone fails with EPIPE here instead of raising SIGPIPE.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    shared->Run();
  }).detach();
}

AsyncWriter::~AsyncWriter() {
  std::unique_lock lock(shared_->mu);
  shared_->stop = true;
  shared_->wake.notify_all();
  // Detached from the start: if a write blocks past the limit, the thread finishes on its own
  // (it holds `shared`), and the process may exit meanwhile.
  shared_->progress.wait_for(lock, drain_limit_, [&] { return shared_->finished; });
}

bool AsyncWriter::Write(const std::shared_ptr<Target>& target, std::string data, uint64_t lines) {
  if (data.empty()) return true;
  std::lock_guard lock(shared_->mu);
  if (shared_->stop || shared_->queued_bytes + data.size() > shared_->max_queued_bytes) {
    Shared::Drop(*target, shared_->totals, data.size(), lines);
    return false;
  }
  shared_->queued_bytes += data.size();
  shared_->queue.push_back({target, std::move(data), lines});
  ++shared_->enqueued;
  shared_->wake.notify_one();
  return true;
}

bool AsyncWriter::Flush(std::chrono::milliseconds limit) {
  std::unique_lock lock(shared_->mu);
  uint64_t until = shared_->enqueued;
  return shared_->progress.wait_for(lock, limit,
                                    [&] { return shared_->done >= until || shared_->finished; });
}

uint64_t AsyncWriter::dropped_lines() const { return shared_->totals.dropped_lines; }
uint64_t AsyncWriter::dropped_bytes() const { return shared_->totals.dropped_bytes; }

}  // namespace probelet::base
