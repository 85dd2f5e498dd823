// ContainerTable: the container records of a runtime with no OS behind it (the simulation's
// ScriptedRuntime, the tests' FakeRuntime): ids in the process runtime's form
// ("probelet://<64 hex>", so the pod workers see the same ids as under `probelet run`), the
// created -> running -> exited states with the exit code, signal and reason the process runtime
// reports, the waiters of StopContainer, and the Get/List/Remove answers of the Runtime
// interface. What a container *does* (when it exits, how it answers SIGTERM) stays with the
// runtime that owns the table; `Extra` is that runtime's own data per container.
//
// Thread safety: none; the owning runtime's thread. Records are stable (std::map) until
// removed, so a Record& stays valid across Create calls.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/runtime.h"

namespace probelet::runtime {

template <typename Extra>
class ContainerTable {
 public:
  struct Record {
    ContainerStatus status;
    Extra extra;
    uint64_t seq = 0;  // 1, 2, ... in creation order
    std::vector<std::function<void(base::Status)>> stop_waiters;
  };

  // A new record in state kCreated under the next id.
  Record& Create(const std::string& name, api::Time created_at, Extra extra) {
    char buf[80];
    std::snprintf(buf, sizeof buf, "probelet://%064llx", static_cast<unsigned long long>(next_));
    Record r{.status = {}, .extra = std::move(extra), .seq = next_++, .stop_waiters = {}};
    r.status.id = buf;
    r.status.name = name;
    r.status.state = ContainerState::kCreated;
    r.status.created_at = created_at;
    return records_.insert_or_assign(r.status.id, std::move(r)).first->second;
  }

  Record* Find(const std::string& id) {
    auto it = records_.find(id);
    return it == records_.end() ? nullptr : &it->second;
  }
  const Record* Find(const std::string& id) const {
    auto it = records_.find(id);
    return it == records_.end() ? nullptr : &it->second;
  }
  // In id order, which is creation order (the ids are zero-padded).
  const std::map<std::string, Record>& records() const { return records_; }

  // Runtime::GetContainerStatus, ListContainers, RemoveContainer.
  std::optional<ContainerStatus> Status(const std::string& id) const {
    const Record* r = Find(id);
    if (r == nullptr) return std::nullopt;
    return r->status;
  }
  std::vector<ContainerStatus> List() const {
    std::vector<ContainerStatus> out;
    out.reserve(records_.size());
    for (const auto& [id, r] : records_) out.push_back(r.status);
    return out;
  }
  base::Status Remove(const std::string& id) {
    auto it = records_.find(id);
    if (it == records_.end()) return base::Error{"no such container: " + id};
    if (it->second.status.state == ContainerState::kRunning) {
      return base::Error{"container " + id + " is running: stop it first"};
    }
    records_.erase(it);
    return base::Status::Ok();
  }

  // A running container exits: exit code (128 + signal for a signal), reason "Completed" or
  // "Error", at `finished_at`; then `handler` (the runtime's exit handler) hears of it, and
  // then every StopContainer waiting on it, in that order, as with the process runtime. False
  // (and nothing happens) when it is not running: a later exit of the same instance (SIGTERM,
  // then SIGKILL) is moot.
  bool MarkExited(const std::string& id, int exit_code, int signal, api::Time finished_at,
                  const Runtime::ExitHandler& handler) {
    Record* r = Find(id);
    if (r == nullptr || r->status.state != ContainerState::kRunning) return false;
    ContainerStatus& s = r->status;
    s.state = ContainerState::kExited;
    s.exit_code = exit_code;
    s.signal = signal;
    s.reason = exit_code == 0 ? "Completed" : "Error";
    s.finished_at = finished_at;
    s.pid = 0;
    ContainerStatus copy = s;  // the handler may remove the record
    auto waiters = std::move(r->stop_waiters);
    if (handler) handler(copy);
    for (auto& w : waiters) w(base::Status::Ok());
    return true;
  }

 private:
  uint64_t next_ = 1;
  std::map<std::string, Record> records_;
};

}  // namespace probelet::runtime
