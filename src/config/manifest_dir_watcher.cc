#include "config/manifest_dir_watcher.h"

#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>

namespace probelet::config {

// The inotify descriptor as an Asio descriptor: `on_events` runs after each batch is drained.
class ManifestDirWatcher::Inotify {
 public:
  Inotify(boost::asio::io_context& io, int fd, std::function<void()> on_events)
      : sd_(io, fd), on_events_(std::move(on_events)), alive_(std::make_shared<bool>(true)) {}
  ~Inotify() { *alive_ = false; }
  void Wait() {
    sd_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                   [this, alive = alive_](const boost::system::error_code& ec) {
                     if (!*alive || ec) return;
                     Drain();
                     on_events_();
                     Wait();
                   });
  }

 private:
  void Drain() {
    alignas(inotify_event) std::array<char, 16384> buf;
    while (::read(sd_.native_handle(), buf.data(), buf.size()) > 0) {
    }
  }
  boost::asio::posix::stream_descriptor sd_;
  std::function<void()> on_events_;
  std::shared_ptr<bool> alive_;
};

ManifestDirWatcher::ManifestDirWatcher(boost::asio::io_context& io, base::Clock& clock,
                                       ManifestDirectory& directory, Callback callback)
    : io_(io),
      clock_(clock),
      directory_(directory),
      callback_(std::move(callback)),
      settle_timer_(clock.NewTimer()),
      rescan_timer_(clock.NewTimer()) {}

ManifestDirWatcher::~ManifestDirWatcher() = default;

base::Status ManifestDirWatcher::Start() {
  ArmRescan();
  int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return base::Error{"watch " + directory_.dir() + ": inotify_init1: " + std::strerror(err), err};
  }
  constexpr uint32_t kEvents = IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM |
                               IN_DELETE | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
  if (::inotify_add_watch(fd, directory_.dir().c_str(), kEvents) < 0) {
    const int err = errno;
    ::close(fd);
    return base::Error{"watch " + directory_.dir() + ": inotify_add_watch: " + std::strerror(err),
                       err};
  }
  inotify_ = std::make_unique<Inotify>(io_, fd, [this] {
    if (!settle_timer_->armed()) settle_timer_->Arm(clock_.Now() + kSettle, [this] { ScanNow(); });
  });
  inotify_->Wait();
  return {};
}

void ManifestDirWatcher::Rescan() { ScanNow(); }

void ManifestDirWatcher::ArmRescan() {
  rescan_timer_->Arm(clock_.Now() + kRescanPeriod, [this] {
    ScanNow();
    ArmRescan();
  });
}

void ManifestDirWatcher::ScanNow() {
  settle_timer_->Cancel();
  ConfigUpdate update = directory_.Scan();
  if (!update.empty()) callback_(std::move(update));
}

}  // namespace probelet::config
