#include "kubelet/crash_loop_backoff.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace probelet::kubelet {
namespace {

// FNV-1a over a canonical serialisation: stable across runs (std::hash is not promised to be).
class Hasher {
 public:
  void Add(std::string_view s) {
    for (unsigned char c : s) {
      h_ ^= c;
      h_ *= 0x100000001b3ULL;
    }
    // A separator so ("ab","c") and ("a","bc") differ.
    h_ ^= 0xff;
    h_ *= 0x100000001b3ULL;
  }
  void Add(int64_t v) { Add(std::to_string(v)); }
  void Add(const std::optional<int64_t>& v) { v ? Add(*v) : Add("-"); }
  uint32_t Value() const { return static_cast<uint32_t>(h_ ^ (h_ >> 32)); }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
};

void AddProbe(Hasher& h, const std::optional<api::Probe>& p) {
  if (!p) {
    h.Add("noprobe");
    return;
  }
  const auto& hd = p->handler;
  if (hd.exec) {
    h.Add("exec");
    for (const auto& a : hd.exec->command) h.Add(a);
  }
  if (hd.http_get) {
    h.Add("http");
    h.Add(hd.http_get->path);
    h.Add(hd.http_get->port.is_string() ? hd.http_get->port.str_val
                                        : std::to_string(hd.http_get->port.int_val));
    h.Add(hd.http_get->host);
    h.Add(hd.http_get->scheme);
    for (const auto& hh : hd.http_get->http_headers) {
      h.Add(hh.name);
      h.Add(hh.value);
    }
  }
  if (hd.tcp_socket) {
    h.Add("tcp");
    h.Add(hd.tcp_socket->port.is_string() ? hd.tcp_socket->port.str_val
                                          : std::to_string(hd.tcp_socket->port.int_val));
    h.Add(hd.tcp_socket->host);
  }
  if (hd.grpc) {
    h.Add("grpc");
    h.Add(int64_t{hd.grpc->port});
    h.Add(hd.grpc->service.value_or(""));
  }
  h.Add(int64_t{p->initial_delay_seconds});
  h.Add(int64_t{p->timeout_seconds});
  h.Add(int64_t{p->period_seconds});
  h.Add(int64_t{p->success_threshold});
  h.Add(int64_t{p->failure_threshold});
  h.Add(p->termination_grace_period_seconds);
}

}  // namespace

std::string ContainerSpecHash(const api::Container& c) {
  Hasher h;
  h.Add(c.name);
  h.Add(c.image);
  for (const auto& a : c.command) h.Add(a);
  h.Add("args");
  for (const auto& a : c.args) h.Add(a);
  h.Add(c.working_dir);
  for (const auto& e : c.env) {
    h.Add(e.name);
    h.Add(e.value);
    h.Add(e.value_from && e.value_from->field_ref ? e.value_from->field_ref->field_path : "");
  }
  for (const auto& p : c.ports) {
    h.Add(p.name);
    h.Add(int64_t{p.container_port});
    h.Add(p.protocol);
  }
  AddProbe(h, c.liveness_probe);
  AddProbe(h, c.readiness_probe);
  AddProbe(h, c.startup_probe);
  h.Add(c.restart_policy.value_or("-"));
  if (c.security_context) {
    h.Add(c.security_context->run_as_user);
    h.Add(c.security_context->run_as_group);
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "%x", h.Value());
  return buf;
}

CrashLoopBackOff::CrashLoopBackOff(base::Clock& clock, Options options)
    : clock_(clock), options_(options) {
  // newCrashLoopBackOff (kubelet.go) lowers the initial delay to the maximum when the maximum
  // is smaller (§6.5.1).
  options_.initial = std::min(options_.initial, options_.max);
}

base::Duration CrashLoopBackOff::Get(const std::string& key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? base::Duration::zero() : it->second.backoff;
}

void CrashLoopBackOff::Next(const std::string& key, base::MonoTime event_time) {
  auto it = entries_.find(key);
  if (it == entries_.end() || HasExpired(event_time, it->second.last_update)) {
    entries_[key] = Entry{options_.initial, clock_.Now()};
    return;
  }
  it->second.backoff = std::min(it->second.backoff * 2, options_.max);
  it->second.last_update = clock_.Now();
}

bool CrashLoopBackOff::IsInBackOffSince(const std::string& key, base::MonoTime event_time) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  if (HasExpired(event_time, it->second.last_update)) return false;
  return clock_.Now() - event_time < it->second.backoff;
}

base::Duration CrashLoopBackOff::Remaining(const std::string& key,
                                           base::MonoTime event_time) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || !IsInBackOffSince(key, event_time)) return base::Duration::zero();
  return it->second.backoff - (clock_.Now() - event_time);
}

void CrashLoopBackOff::GC() {
  base::MonoTime now = clock_.Now();
  std::erase_if(entries_, [&](const auto& kv) { return HasExpired(now, kv.second.last_update); });
}

std::string CrashLoopBackOff::StableKey(const api::Pod& pod, const api::Container& container) {
  return pod.metadata.name + "_" + pod.metadata.namespace_ + "_" + pod.metadata.uid + "_" +
         container.name + "_" + ContainerSpecHash(container);
}

}  // namespace probelet::kubelet
