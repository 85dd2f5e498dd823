// ProxyConnection: one proxied TCP connection, client <-> backend, and its data path.
//
// Bytes flow both ways as soon as the backend is connected. Each direction copies either with
// plain recv/send through one scratch buffer shared by every connection of the proxy
// (CopyMode::kReadWrite, the default: measured faster for request/response traffic, see
// bench/service_proxy/README.md) or with splice(2) through a pipe taken from a pool while bytes
// are in flight (CopyMode::kSplice). Either way a connection holds bytes of its own only while
// its destination cannot take them (at most kChunk per direction, 64 KiB: the backpressure
// bound), so an idle connection costs its two sockets and this object, nothing more.
//
// Half-close: EOF read on one side becomes shutdown(SHUT_WR) on the other once the bytes before
// it are delivered; the connection closes when both directions are done. A reset or error on
// either side resets the other (SO_LINGER 0), as a NAT's connection would. No idle timeout.
//
// Readiness is edge-triggered (epoll, EPOLLET, by the owning ServicePortProxy): the proxy
// records what each event says in Side's flags, and Pump() works until a flag says stop.
//
// Thread safety: the proxy's loop thread only. Ownership: owned by its ServicePortProxy; the
// CopyContext must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace probelet::proxy {

enum class CopyMode { kReadWrite, kSplice };

// What a ServicePortProxy counts (kube-proxy-like metrics; the caller renders them).
struct ProxyCounters {
  uint64_t accepted = 0;  // connections accepted on the service port
  uint64_t refused = 0;   // reset at once: no ready endpoint
  uint64_t failed = 0;    // reset after the connect failed (and its one retry)
  uint64_t active = 0;    // gauge: accepted and not yet closed
  uint64_t bytes_client_to_backend = 0;
  uint64_t bytes_backend_to_client = 0;
  uint64_t buffered_bytes = 0;  // gauge: bytes held by the proxy (buffers and pipes)
};

// What the connections of one proxy share: the copy mode, one scratch buffer, the pipe pool.
struct CopyContext {
  static constexpr size_t kChunk = 64 * 1024;
  explicit CopyContext(CopyMode m) : mode(m), scratch(new char[kChunk]) {}
  base::Pipe AcquirePipe();  // an empty pipe (invalid fds when pipe2 fails)
  void ReleasePipe(base::Pipe pipe);

  CopyMode mode;
  std::unique_ptr<char[]> scratch;
  std::vector<base::Pipe> pipes;
  ProxyCounters counters;
};

class ProxyConnection {
 public:
  struct Side {
    base::UniqueFd fd;
    ProxyConnection* conn = nullptr;
    bool readable = false;
    bool writable = false;
    bool rdhup = false;  // the peer's FIN has arrived: a short read does not mean drained
  };

  ProxyConnection(CopyContext& ctx, base::UniqueFd client, std::string client_ip);
  ~ProxyConnection();
  ProxyConnection(const ProxyConnection&) = delete;
  ProxyConnection& operator=(const ProxyConnection&) = delete;

  Side& client() { return client_; }
  Side& backend() { return backend_; }
  const std::string& client_ip() const { return client_ip_; }

  // Records an epoll event on `side`; an error condition aborts the connection.
  void OnEvent(Side& side, uint32_t events);
  // Moves bytes both ways until the sockets say stop or `budget` chunks were moved; returns
  // true when work is left (call again later: edge-triggered events will not come for it).
  bool Pump(int budget = 16);
  // Resets both sides (SO_LINGER 0) and releases everything.
  void Abort();
  bool closed() const { return closed_; }

 private:
  struct Flow {
    Flow(Side* f, Side* t, uint64_t* b) : from(f), to(t), bytes(b) {}
    Side* from;
    Side* to;
    uint64_t* bytes;
    std::unique_ptr<char[]> pending;  // kReadWrite: bytes read but not yet sent
    size_t off = 0;
    size_t len = 0;
    base::Pipe pipe;  // kSplice: holds `len` bytes while they wait for `to`
    bool eof = false;
    bool shut = false;
  };
  // One direction; returns the budget left (-1 when the connection was aborted).
  int PumpFlow(Flow& f, int budget);
  bool FlushReadWrite(Flow& f);
  bool FlushSplice(Flow& f);
  void Stash(Flow& f, const char* data, size_t n);
  void ReleaseFlow(Flow& f);
  void Close();

  CopyContext& ctx_;
  Side client_;
  Side backend_;
  std::string client_ip_;
  Flow up_;
  Flow down_;
  bool closed_ = false;
};

}  // namespace probelet::proxy
