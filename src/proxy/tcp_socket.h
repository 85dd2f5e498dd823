// The socket calls of the L4 proxy, on raw non-blocking descriptors (IPv4 and IPv6 literals, no
// name resolution: Service addresses and endpoint IPs are IPs). Errors name the address the way
// Go's net package does (`listen tcp 127.0.0.1:80: bind: address already in use`), since that
// is what kube-proxy's users read.
//
// Pure functions on descriptors; thread-safe.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "base/expected.h"
#include "base/unique_fd.h"

namespace probelet::proxy {

// A listening TCP socket on address:port (port 0: any free port), non-blocking, close-on-exec,
// SO_REUSEADDR (a restart is not refused for TIME_WAIT sockets; a live listener still is).
base::Expected<base::UniqueFd> ListenTcp(const std::string& address, uint16_t port, int backlog);

// A non-blocking connect to ip:port started on a new socket with TCP_NODELAY. `in_progress` is
// set when the connect has not completed yet (wait for writability, then ConnectError).
base::Expected<base::UniqueFd> StartConnect(const std::string& ip, uint16_t port,
                                            bool* in_progress);
// The result of a completed non-blocking connect: 0, or the errno it failed with.
int ConnectError(int fd);
// Whether a non-blocking connect has completed without error, now (a poll that does not wait).
bool ConnectCompleted(int fd);

void SetNoDelay(int fd);
// Closes `fd` with SO_LINGER 0, so the peer gets a RST at once instead of a FIN.
void ResetAndClose(base::UniqueFd& fd);
// The numeric IP of a socket address ("" for other families).
std::string IpOf(const sockaddr_storage& addr);
// The local port a socket is bound to (0 on error).
uint16_t LocalPort(int fd);

}  // namespace probelet::proxy
