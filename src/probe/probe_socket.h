// Probe sockets: what the HTTP and TCP probers share about them. How a probe socket is closed
// (CloseMode, ApplyCloseMode: the kubelet's ProbeDialer sets SO_LINGER, §5.1.4, §9.1), how many
// may be open at once (ProbeSocketOptions, DefaultMaxInFlight), how a non-blocking connect is
// awaited (AwaitConnect), Go's text for an errno (ErrnoText), the counters a socket prober keeps
// (ProberStats), and the factories that take these options (probers.h has the plain ones).
//
// How probelet closes probe sockets, and why (figures from bench/probe_load, 2 cores, loopback
// nginx; see the comment at ApplyCloseMode in probe_socket.cc for the full table):
//  - The kubelet sets SO_LINGER {on, 1 s} to "cut TIME_WAIT to 1 s". On Linux it does not:
//    TIME_WAIT lasts 60 s whatever the linger, and a lingering close() on a non-blocking
//    socket still blocks the calling thread until the FIN is acknowledged or 1 s passes, which
//    would stall the one event loop that runs every probe.
//  - probelet closes with SO_LINGER {on, 0} (kReset): the socket is released at once with an
//    RST, so neither side keeps a TIME_WAIT entry and no ephemeral port stays held. For HTTP
//    the server has normally closed first (Connection: close), so the RST only clears the
//    server's orphaned socket and the server application never sees it.
//
// Thread safety: the probers are single-threaded (probers.h); the functions here are pure.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "probe/probers.h"

namespace probelet::probe {

enum class CloseMode {
  kReset,     // SO_LINGER {1, 0}: RST on close, no TIME_WAIT anywhere (probelet's default)
  kLinger1s,  // SO_LINGER {1, 1}: the kubelet's setting (blocks close() until the FIN is ACKed)
  kPlain,     // no SO_LINGER: FIN; whoever closes first keeps TIME_WAIT for 60 s
};

struct ProbeSocketOptions {
  CloseMode close_mode = CloseMode::kReset;
  // At most this many attempts of one prober hold a socket at once; later ones wait in FIFO
  // order with their timeout already running, so a flood of probes to dead endpoints ends in
  // timeouts, not in EMFILE. 0 = DefaultMaxInFlight().
  size_t max_in_flight = 0;
};

// Half of what RLIMIT_NOFILE leaves after 1024 descriptors for everything else (the HTTP and
// the TCP prober each get this much): 9488 with this machine's limit of 20000.
size_t DefaultMaxInFlight();

// Counters a prober keeps for tests and the benchmark; updated on the loop thread.
struct ProberStats {
  size_t in_flight = 0;  // attempts started and not finished
  size_t peak_in_flight = 0;
  size_t waiting = 0;  // attempts queued behind max_in_flight
  size_t peak_waiting = 0;
  size_t peak_read_buffer = 0;  // largest read buffer any attempt held (bytes)
  size_t peak_body = 0;         // largest body kept (bytes; never above 10 KiB)
};

// `clock` times the attempts out (probers.h); it and `stats`, when given, must outlive the
// prober.
std::unique_ptr<HttpProber> NewHttpProber(boost::asio::io_context& io, base::Clock& clock,
                                          const ProbeSocketOptions& options,
                                          ProberStats* stats = nullptr);
std::unique_ptr<TcpProber> NewTcpProber(boost::asio::io_context& io, base::Clock& clock,
                                        const ProbeSocketOptions& options,
                                        ProberStats* stats = nullptr);

// After a non-blocking connect() on `socket` returned EINPROGRESS: waits (on the loop) until
// the socket is writable and returns how the connect ended, 0 or an errno (SO_ERROR). Both
// probers connect by hand because Asio's async_connect adds a poll() per connect.
boost::asio::awaitable<int> AwaitConnect(boost::asio::ip::tcp::socket& socket);

// Sets SO_LINGER on `fd` for `mode` (nothing for kPlain). Errors are ignored, as the kubelet
// ignores them.
void ApplyCloseMode(int fd, CloseMode mode);

// Go's text for an errno, as in its syscall error table: "connection refused".
std::string ErrnoText(int err);

// CloseMode from "reset" | "linger1s" | "plain" (for the benchmark's flag); false if unknown.
bool ParseCloseMode(std::string_view name, CloseMode& mode);

}  // namespace probelet::probe
