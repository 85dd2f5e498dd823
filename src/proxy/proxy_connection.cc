#include "proxy/proxy_connection.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "proxy/tcp_socket.h"

namespace probelet::proxy {
namespace {
constexpr size_t kChunk = CopyContext::kChunk;
constexpr size_t kPipePool = 64;  // spare pipes kept open for the next splice
}  // namespace

base::Pipe CopyContext::AcquirePipe() {
  if (!pipes.empty()) {
    base::Pipe p = std::move(pipes.back());
    pipes.pop_back();
    return p;
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return {};
  return base::Pipe{base::UniqueFd(fds[0]), base::UniqueFd(fds[1])};
}

void CopyContext::ReleasePipe(base::Pipe pipe) {
  if (pipes.size() < kPipePool) pipes.push_back(std::move(pipe));
}

ProxyConnection::ProxyConnection(CopyContext& ctx, base::UniqueFd client, std::string client_ip)
    : ctx_(ctx),
      client_ip_(std::move(client_ip)),
      up_{&client_, &backend_, &ctx.counters.bytes_client_to_backend},
      down_{&backend_, &client_, &ctx.counters.bytes_backend_to_client} {
  client_.fd = std::move(client);
  client_.conn = this;
  backend_.conn = this;
  ++ctx_.counters.active;
}

ProxyConnection::~ProxyConnection() { Close(); }

void ProxyConnection::OnEvent(Side& side, uint32_t events) {
  if (closed_) return;
  // A pending socket error is a reset (or an unreachable peer): pass it on as a reset.
  if (events & EPOLLERR) {
    Abort();
    return;
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP)) side.readable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP)) side.rdhup = true;
  if (events & (EPOLLOUT | EPOLLHUP)) side.writable = true;
}

bool ProxyConnection::Pump(int budget) {
  if (closed_) return false;
  const int up_left = PumpFlow(up_, budget);
  if (up_left < 0) return false;
  const int down_left = PumpFlow(down_, budget);
  if (down_left < 0) return false;
  if (up_.shut && down_.shut) {
    Close();
    return false;
  }
  return up_left == 0 || down_left == 0;
}

int ProxyConnection::PumpFlow(Flow& f, int budget) {
  const bool splice_mode = ctx_.mode == CopyMode::kSplice;
  while (budget > 0) {
    if (f.len > 0) {
      if (!(splice_mode ? FlushSplice(f) : FlushReadWrite(f))) return -1;
      if (f.len > 0) return budget;  // the destination is full: stop reading (backpressure)
    }
    if (f.eof) {
      if (!f.shut) {
        ::shutdown(f.to->fd.get(), SHUT_WR);
        f.shut = true;
      }
      return budget;
    }
    if (!f.from->readable || !f.to->writable) return budget;
    ssize_t n;
    if (splice_mode) {
      if (!f.pipe.read.valid()) f.pipe = ctx_.AcquirePipe();
      if (!f.pipe.read.valid()) {
        Abort();
        return -1;
      }
      n = ::splice(f.from->fd.get(), nullptr, f.pipe.write.get(), nullptr, kChunk,
                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    } else {
      n = ::recv(f.from->fd.get(), ctx_.scratch.get(), kChunk, 0);
    }
    if (n > 0) {
      --budget;
      if (splice_mode) {
        // A short splice may only mean the pipe's slots are full: read on until EAGAIN.
        f.len = static_cast<size_t>(n);
        ctx_.counters.buffered_bytes += f.len;
        continue;
      }
      // A short read drained the socket: more data, or the FIN, brings a new edge. With the
      // FIN already seen (rdhup) read on to reach EOF.
      if (static_cast<size_t>(n) < kChunk && !f.from->rdhup) f.from->readable = false;
      ssize_t w = ::send(f.to->fd.get(), ctx_.scratch.get(), static_cast<size_t>(n), MSG_NOSIGNAL);
      if (w < 0) {
        if (errno != EAGAIN) {
          Abort();
          return -1;
        }
        w = 0;
      }
      *f.bytes += static_cast<uint64_t>(w);
      if (w < n) {
        f.to->writable = false;
        Stash(f, ctx_.scratch.get() + w, static_cast<size_t>(n - w));
      }
      continue;
    }
    if (n == 0) {
      f.eof = true;
      if (f.pipe.read.valid()) ctx_.ReleasePipe(std::move(f.pipe));
      continue;
    }
    if (errno == EAGAIN) {
      f.from->readable = false;
      if (f.pipe.read.valid()) ctx_.ReleasePipe(std::move(f.pipe));
      return budget;
    }
    if (errno == EINTR) continue;
    Abort();
    return -1;
  }
  return budget;
}

void ProxyConnection::Stash(Flow& f, const char* data, size_t n) {
  if (!f.pending) f.pending.reset(new char[kChunk]);
  std::memcpy(f.pending.get(), data, n);
  f.off = 0;
  f.len = n;
  ctx_.counters.buffered_bytes += n;
}

bool ProxyConnection::FlushReadWrite(Flow& f) {
  while (f.len > 0 && f.to->writable) {
    const ssize_t n = ::send(f.to->fd.get(), f.pending.get() + f.off, f.len, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        f.to->writable = false;
        break;
      }
      Abort();
      return false;
    }
    const auto sent = static_cast<size_t>(n);
    f.off += sent;
    f.len -= sent;
    *f.bytes += sent;
    ctx_.counters.buffered_bytes -= sent;
    if (f.len > 0) f.to->writable = false;
  }
  // Idle connections hold no buffer: only a stalled direction does.
  if (f.len == 0) f.pending.reset();
  return true;
}

bool ProxyConnection::FlushSplice(Flow& f) {
  while (f.len > 0 && f.to->writable) {
    const ssize_t n = ::splice(f.pipe.read.get(), nullptr, f.to->fd.get(), nullptr, f.len,
                               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        f.to->writable = false;
        break;
      }
      Abort();
      return false;
    }
    const auto sent = static_cast<size_t>(n);
    f.len -= sent;
    *f.bytes += sent;
    ctx_.counters.buffered_bytes -= sent;
    if (f.len > 0) f.to->writable = false;
  }
  if (f.len == 0 && f.pipe.read.valid()) ctx_.ReleasePipe(std::move(f.pipe));
  return true;
}

void ProxyConnection::ReleaseFlow(Flow& f) {
  ctx_.counters.buffered_bytes -= f.len;
  f.len = 0;
  f.pending.reset();
  f.pipe = {};  // a pipe with bytes left in it is not reusable: close it
}

void ProxyConnection::Abort() {
  if (closed_) return;
  ResetAndClose(client_.fd);
  ResetAndClose(backend_.fd);
  Close();
}

void ProxyConnection::Close() {
  if (closed_) return;
  closed_ = true;
  client_.fd.Reset();
  backend_.fd.Reset();
  ReleaseFlow(up_);
  ReleaseFlow(down_);
  --ctx_.counters.active;
}

}  // namespace probelet::proxy
