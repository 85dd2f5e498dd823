// ManifestDirWatcher: keeps a ManifestDirectory current (issue 12 §1): inotify on the directory
// (a file created, written and closed, renamed in or out, deleted), each burst of events
// followed by one Scan 100 ms after its first event (an editor's save is several events), a
// full rescan every 20 s as the kubelet's file source also does (to catch missed events), and
// Rescan() for SIGHUP. Each Scan that changed something is handed to the callback.
//
// No polling loop: between events and rescans nothing runs. If inotify cannot be set up (no
// instance left), Start says why and the 20 s rescan still keeps the directory current.
//
// Thread safety: the io_context's one thread. Ownership: io, clock and directory must outlive
// the watcher; the callback is not called after destruction.
#pragma once

#include <functional>
#include <memory>

#include "base/clock.h"
#include "base/expected.h"
#include "config/manifest_directory.h"

namespace boost::asio {
class io_context;
}

namespace probelet::config {

class ManifestDirWatcher {
 public:
  using Callback = std::function<void(ConfigUpdate)>;
  static constexpr base::Duration kSettle = std::chrono::milliseconds(100);
  static constexpr base::Duration kRescanPeriod = std::chrono::seconds(20);

  ManifestDirWatcher(boost::asio::io_context& io, base::Clock& clock, ManifestDirectory& directory,
                     Callback callback);
  ~ManifestDirWatcher();
  ManifestDirWatcher(const ManifestDirWatcher&) = delete;
  ManifestDirWatcher& operator=(const ManifestDirWatcher&) = delete;

  // Starts watching (the caller has done the first Scan). The error names the directory.
  base::Status Start();
  // Scans now (SIGHUP).
  void Rescan();

 private:
  class Inotify;
  void ScanNow();
  void ArmRescan();

  boost::asio::io_context& io_;
  base::Clock& clock_;
  ManifestDirectory& directory_;
  Callback callback_;
  std::unique_ptr<Inotify> inotify_;
  std::unique_ptr<base::Timer> settle_timer_;
  std::unique_ptr<base::Timer> rescan_timer_;
};

}  // namespace probelet::config
