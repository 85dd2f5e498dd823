// The kubelet's TCP prober (pkg/probe/tcp/tcp.go, DoTCPProbe; §5.4): dial host:port within the
// timeout, close at once. Success with empty output; any dial error is a failure whose output
// is Go's text (`dial tcp 127.0.0.1:1: connect: connection refused`, `dial tcp 10.0.0.1:80:
// i/o timeout`, `dial tcp: address -1: invalid port`). Never an error (T43).
//
// One coroutine per attempt on the caller's io_context; the socket is closed with the
// prober's CloseMode (probe_socket.h).
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <optional>

#include "base/clock.h"
#include "base/host_port.h"
#include "probe/attempt_set.h"
#include "probe/probe_socket.h"

namespace probelet::probe {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

class TcpProberImpl;

// One attempt; owned by its coroutine and listed in the prober for cancellation.
class TcpAttempt : public std::enable_shared_from_this<TcpAttempt>, public DeadlineEntry {
 public:
  TcpAttempt(TcpProberImpl* owner, asio::io_context& io, std::string host, int port,
             OutcomeCallback done)
      : owner_(owner),
        io_(io),
        host_(std::move(host)),
        port_(port),
        done_(std::move(done)),
        socket_(io) {}

  asio::awaitable<void> Run();
  void OnDeadline() override {
    if (finished_ || cancelled_) return;
    timed_out_ = true;
    Close();
  }
  void Cancel() {
    cancelled_ = true;
    owner_ = nullptr;
    Close();
  }
  void Abort(const std::string& why) {
    Close();
    Finish(Outcome{Result::kUnknown, std::string(), "tcp probe aborted: " + why});
  }

  TcpAttempt* prev = nullptr;
  TcpAttempt* next = nullptr;
  bool in_probe_call = false;

 private:
  asio::awaitable<Outcome> Dial();
  void Close() {
    if (resolver_) resolver_->cancel();
    error_code ignored;
    if (socket_.is_open()) socket_.close(ignored);
  }
  void Finish(Outcome outcome);

  TcpProberImpl* owner_;
  asio::io_context& io_;
  const std::string host_;
  const int port_;
  OutcomeCallback done_;
  tcp::socket socket_;
  std::optional<tcp::resolver> resolver_;
  bool timed_out_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

class TcpProberImpl final : public TcpProber {
 public:
  TcpProberImpl(asio::io_context& io, base::Clock& clock, ProbeSocketOptions options,
                ProberStats* stats)
      : io_(io),
        clock_(clock),
        options_(options),
        attempts_(clock_, options.max_in_flight, stats) {}

  void Probe(const std::string& host, int port, base::Duration timeout,
             OutcomeCallback done) override {
    const base::MonoTime deadline = clock_.Now() + timeout;
    if (!attempts_.full()) return Start(host, port, timeout, deadline, std::move(done));
    attempts_.Wait([this, host, port, timeout, deadline, done = std::move(done)]() mutable {
      Start(host, port, timeout, deadline, std::move(done));
    });
  }

  void Unlink(TcpAttempt* a) { attempts_.Remove(*a); }
  CloseMode close_mode() const { return options_.close_mode; }

 private:
  void Start(const std::string& host, int port, base::Duration timeout, base::MonoTime deadline,
             OutcomeCallback done) {
    auto attempt = std::make_shared<TcpAttempt>(this, io_, host, port, std::move(done));
    attempts_.Add(*attempt, deadline, timeout);
    SpawnAttempt(io_, std::move(attempt));
  }

  asio::io_context& io_;
  base::Clock& clock_;
  ProbeSocketOptions options_;
  AttemptSet<TcpAttempt> attempts_;  // last: destroying it cancels the attempts in flight
};

asio::awaitable<void> TcpAttempt::Run() {
  Outcome outcome = co_await Dial();
  // As DoTCPProbe (tcp.go): connected or not, the socket is closed at once (§5.4.3).
  Close();
  Finish(std::move(outcome));
}

asio::awaitable<Outcome> TcpAttempt::Dial() {
  if (port_ < 0 || port_ > 65535) {
    // net.Dial("tcp", "host:-1").
    co_return Outcome{
        Result::kFailure, "dial tcp: address " + std::to_string(port_) + ": invalid port", {}};
  }
  const auto port = static_cast<unsigned short>(port_);
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  if (host_.empty()) {
    endpoints.emplace_back(asio::ip::address_v4::loopback(), port);  // Go: ":port" is local
  } else if (const asio::ip::address addr = asio::ip::make_address(host_, ec); !ec) {
    endpoints.emplace_back(addr, port);
  } else {
    resolver_.emplace(io_);
    auto [rec, results] = co_await resolver_->async_resolve(host_, std::to_string(port_), kAwait);
    if (cancelled_) co_return Outcome{};
    if (timed_out_) {
      co_return Outcome{Result::kFailure, "dial tcp: lookup " + host_ + ": i/o timeout", {}};
    }
    if (rec || results.empty()) {
      co_return Outcome{Result::kFailure, "dial tcp: lookup " + host_ + ": no such host", {}};
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  std::optional<Outcome> first_error;
  for (const tcp::endpoint& ep : endpoints) {
    // Go's text names the address dialed; only built when there is an error to report.
    auto address = [&] {
      return host_.empty() ? ":" + std::to_string(port_)
                           : base::JoinHostPort(ep.address().to_string(), ep.port());
    };
    socket_.open(ep.protocol(), ec);
    if (ec) {
      co_return Outcome{
          Result::kFailure, "dial tcp " + address() + ": socket: " + ErrnoText(ec.value()), {}};
    }
    if (owner_) ApplyCloseMode(socket_.native_handle(), owner_->close_mode());
    // connect() by hand (AwaitConnect says why).
    int connect_err = 0;
    socket_.non_blocking(true, ec);
    if (ec) {
      connect_err = ec.value();
    } else if (::connect(socket_.native_handle(), ep.data(), static_cast<socklen_t>(ep.size())) !=
               0) {
      connect_err = errno;
      if (connect_err == EINPROGRESS) {
        // To a pod on this node (or loopback) the handshake usually completed within
        // connect(): a zero-timeout poll() tells, sparing a trip through the event loop.
        pollfd pfd{socket_.native_handle(), POLLOUT, 0};
        if (::poll(&pfd, 1, 0) == 1 && pfd.revents == POLLOUT) connect_err = 0;
      }
      if (connect_err == EINPROGRESS) connect_err = co_await AwaitConnect(socket_);
    }
    if (cancelled_) co_return Outcome{};
    if (timed_out_) {
      co_return Outcome{Result::kFailure, "dial tcp " + address() + ": i/o timeout", {}};
    }
    if (connect_err == 0) co_return Outcome{Result::kSuccess, std::string(), {}};
    if (!first_error) {
      first_error = Outcome{
          Result::kFailure, "dial tcp " + address() + ": connect: " + ErrnoText(connect_err), {}};
    }
    socket_.close(ec);
  }
  co_return std::move(*first_error);
}

void TcpAttempt::Finish(Outcome outcome) {
  if (cancelled_ || finished_) return;
  finished_ = true;
  TcpProberImpl* owner = owner_;
  owner_ = nullptr;
  owner->Unlink(this);
  DeliverOutcome(io_, in_probe_call, std::move(done_), std::move(outcome));
}

}  // namespace

std::unique_ptr<TcpProber> NewTcpProber(boost::asio::io_context& io, base::Clock& clock,
                                        const ProbeSocketOptions& options, ProberStats* stats) {
  return std::make_unique<TcpProberImpl>(io, clock, options, stats);
}

std::unique_ptr<TcpProber> NewTcpProber(boost::asio::io_context& io, base::Clock& clock) {
  return NewTcpProber(io, clock, ProbeSocketOptions{});
}

}  // namespace probelet::probe
