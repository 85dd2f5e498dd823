#include "proxy/tcp_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

#include "base/host_port.h"

namespace probelet::proxy {
namespace {

bool MakeAddress(const std::string& ip, uint16_t port, sockaddr_storage* out, socklen_t* len) {
  std::memset(out, 0, sizeof(*out));
  auto* v4 = reinterpret_cast<sockaddr_in*>(out);
  if (::inet_pton(AF_INET, ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    *len = sizeof(sockaddr_in);
    return true;
  }
  auto* v6 = reinterpret_cast<sockaddr_in6*>(out);
  if (::inet_pton(AF_INET6, ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

base::Error OpError(const char* net_op, const std::string& ip, uint16_t port, const char* call,
                    int err) {
  return base::Error{std::string(net_op) + " tcp " + base::JoinHostPort(ip, port) + ": " + call +
                         ": " + std::strerror(err),
                     err};
}

}  // namespace

base::Expected<base::UniqueFd> ListenTcp(const std::string& address, uint16_t port, int backlog) {
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!MakeAddress(address, port, &addr, &len)) {
    return base::Error{"listen tcp " + base::JoinHostPort(address, port) + ": not an IP address",
                       EINVAL};
  }
  base::UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return OpError("listen", address, port, "socket", errno);
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    return OpError("listen", address, port, "bind", errno);
  }
  if (::listen(fd.get(), backlog) != 0) return OpError("listen", address, port, "listen", errno);
  return fd;
}

base::Expected<base::UniqueFd> StartConnect(const std::string& ip, uint16_t port,
                                            bool* in_progress) {
  *in_progress = false;
  sockaddr_storage addr;
  socklen_t len = 0;
  if (!MakeAddress(ip, port, &addr, &len)) {
    return base::Error{"dial tcp " + base::JoinHostPort(ip, port) + ": not an IP address", EINVAL};
  }
  base::UniqueFd fd(::socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return OpError("dial", ip, port, "socket", errno);
  SetNoDelay(fd.get());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    if (errno != EINPROGRESS) return OpError("dial", ip, port, "connect", errno);
    *in_progress = true;
  }
  return fd;
}

int ConnectError(int fd) {
  int err = 0;
  socklen_t len = sizeof(err);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

bool ConnectCompleted(int fd) {
  pollfd p{fd, POLLOUT, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) != 0 && ConnectError(fd) == 0;
}

void SetNoDelay(int fd) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void ResetAndClose(base::UniqueFd& fd) {
  if (!fd.valid()) return;
  const linger lg{1, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  fd.Reset();
}

std::string IpOf(const sockaddr_storage& addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in&>(addr).sin_addr, buf, sizeof(buf));
  } else if (addr.ss_family == AF_INET6) {
    ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6&>(addr).sin6_addr, buf, sizeof(buf));
  }
  return buf;
}

uint16_t LocalPort(int fd) {
  sockaddr_storage addr;
  socklen_t len = sizeof(addr);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return 0;
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<sockaddr_in6&>(addr).sin6_port);
  return 0;
}

}  // namespace probelet::proxy
