#include "server/api_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <deque>
#include <set>

#include "server/api_handler.h"
#include "server/loop_monitor.h"
#include "server/watch_cache.h"
#include "server/watch_stream.h"

namespace probelet::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);
// GET and HEAD carry no body; a little is read so a stray one can be answered, not buffered.
constexpr size_t kMaxBodyBytes = 4096;
// How much of a log file is read, decoded and sent at a time.
constexpr size_t kLogChunkBytes = 64 * 1024;
// A produced body (pods, /probes, /metrics) goes out in chunks of at least this much.
constexpr size_t kBodyChunkBytes = 64 * 1024;
// When accept fails for lack of fds, wait before trying again rather than spin.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);
// After an error answer, how long and how much of the client's leftover input is drained.
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kLingerBytes = 256 * 1024;
// A following `logs -f` checks that its container still runs every this many idle polls.
constexpr int kFollowChecksEvery = 5;

std::chrono::steady_clock::duration ToSteady(base::Duration d) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(d);
}

// "host:port" or "[v6]:port"; "localhost" is 127.0.0.1.
base::Expected<tcp::endpoint> ParseAddress(const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return base::Error{fmt::format("api address \"{}\": want HOST:PORT", address)};
  }
  std::string host = address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host == "localhost") host = "127.0.0.1";
  error_code ec;
  net::ip::address ip = net::ip::make_address(host, ec);
  if (ec) {
    return base::Error{
        fmt::format("api address \"{}\": \"{}\" is not an IP address", address, host)};
  }
  unsigned port = 0;
  auto [end, perr] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (perr != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return base::Error{fmt::format("api address \"{}\": bad port \"{}\"", address, port_text)};
  }
  return tcp::endpoint(ip, static_cast<unsigned short>(port));
}

// A peer that closed its side: recv(MSG_PEEK) sees the end of the stream (or an error).
bool PeerClosed(tcp::socket& socket) {
  char c;
  ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

// What an exception says, whatever its type.
std::string Describe(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

// co_spawn's completion. A request's handler cannot get here (Session answers 500 for anything
// it throws); what does is a broken invariant of the server itself, so it is logged and passed
// on out of io_context::run(), where the agent's owner (kubelet::Agent::Run) stops every pod
// gracefully rather than letting the process end.
auto PassOnEscaped(const char* what) {
  return [what](std::exception_ptr e) {
    if (!e) return;
    spdlog::error("api server {}: {}", what, Describe(e));
    std::rethrow_exception(e);
  };
}

}  // namespace

class ApiServer::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& io, base::Clock& clock, const PodSource& source, ApiServerOptions options,
       WatchCache* watches)
      : io_(io),
        clock_(clock),
        options_(std::move(options)),
        monitor_(std::make_unique<LoopMonitor>(clock, options_.stall_threshold)),
        handler_(
            clock, source, *monitor_, [this](std::string& out) { WriteMetrics(out); }, watches),
        watches_(watches),
        acceptor_(io) {}

  base::Status Start() {
    if (acceptor_.is_open()) return base::Error{"api server already started"};
    auto endpoint = ParseAddress(options_.address);
    if (!endpoint) return endpoint.error();
    if (!endpoint->address().is_loopback() && !options_.allow_remote) {
      return base::Error{fmt::format(
          "api address {}: not a loopback address; the API has no authentication, so serving "
          "it beyond this machine needs --api-allow-remote",
          options_.address)};
    }
    error_code ec;
    acceptor_.open(endpoint->protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(*endpoint, ec);
    if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      error_code ignored;
      acceptor_.close(ignored);
      return base::Error{fmt::format("api address {}: {}", options_.address, ec.message()),
                         ec.value()};
    }
    tcp::endpoint local = acceptor_.local_endpoint(ec);
    bound_ = local.address().is_v6()
                 ? fmt::format("[{}]:{}", local.address().to_string(), local.port())
                 : fmt::format("{}:{}", local.address().to_string(), local.port());
    stopped_ = false;
    monitor_->Start();
    net::co_spawn(io_, AcceptLoop(shared_from_this()), PassOnEscaped("accept loop"));
    return base::Status::Ok();
  }

  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    monitor_->Stop();
    error_code ignored;
    acceptor_.close(ignored);
    // Watches end cleanly (the last chunk), as the API server ends them when it stops: the loop
    // may not turn again (the agent stops it next), so what is queued and the end are sent now,
    // without blocking; a client too slow to take them just sees the connection close.
    for (WatchStreamEntry* w : watch_streams_) EndWatchNow(*w);
    for (beast::tcp_stream* s : connections_) s->socket().close(ignored);
    for (auto& w : waiters_) w->timer.cancel();
    waiters_.clear();
  }

  // Destroys what refers to the clock, which may go before the coroutines do.
  void Release() {
    Stop();
    monitor_.reset();
  }

  std::string bound_address() const { return bound_; }
  size_t connection_count() const { return connections_.size(); }

 private:
  // Registers a connection for Stop() and the connection cap, for the life of its coroutine.
  class Registration {
   public:
    Registration(Impl& impl, beast::tcp_stream* s) : impl_(impl), s_(s) {
      impl_.connections_.insert(s_);
    }
    ~Registration() { impl_.connections_.erase(s_); }
    Registration(const Registration&) = delete;
    Registration& operator=(const Registration&) = delete;

   private:
    Impl& impl_;
    beast::tcp_stream* s_;
  };

  // Serving must not delay probing (the probes share this loop). Handling a request (listing
  // and encoding pods) runs on the loop and cannot be interrupted, so requests are admitted
  // one at a time, in arrival order, and after one that took time t the next waits
  // t * (1 - api_loop_share) / api_loop_share: under a flood of clients the API gets at most
  // that share of the loop and timers (probes) run in the gaps, late by at most one request.
  // Uncontended requests are not delayed. False when the server stopped while waiting.
  net::awaitable<bool> Admit() {
    if (!busy_ && waiters_.empty()) {
      busy_ = true;
      base::MonoTime now = clock_.Now();
      if (now >= next_slot_) co_return true;
      ++throttled_;
      net::steady_timer gap(io_, ToSteady(next_slot_ - now));
      co_await gap.async_wait(kUseTuple);
      co_return !stopped_;
    }
    ++throttled_;
    auto w = std::make_shared<Waiter>(io_);
    w->timer.expires_at(net::steady_timer::time_point::max());
    waiters_.push_back(w);
    // Release() grants the slot and sets the timer to its start (which cancels this wait).
    while (!w->granted && !stopped_) co_await w->timer.async_wait(kUseTuple);
    if (stopped_) co_return false;
    if (w->timer.expiry() > net::steady_timer::clock_type::now()) {
      co_await w->timer.async_wait(kUseTuple);
    }
    co_return !stopped_;
  }

  void Release(base::Duration cost) {
    double share = std::clamp(options_.api_loop_share, 0.01, 1.0);
    auto gap = std::chrono::duration_cast<base::Duration>(cost * ((1.0 - share) / share));
    next_slot_ = clock_.Now() + gap;
    if (waiters_.empty()) {
      busy_ = false;
      return;
    }
    std::shared_ptr<Waiter> next = std::move(waiters_.front());
    waiters_.pop_front();
    next->granted = true;  // busy_ stays true: the slot is handed over
    next->timer.expires_after(ToSteady(gap));
  }

  void WriteMetrics(std::string& out) const {
    out += "# HELP probelet_api_open_connections Connections open to the agent's API.\n";
    out += "# TYPE probelet_api_open_connections gauge\n";
    out += fmt::format("probelet_api_open_connections {}\n", connections_.size());
    out += "# HELP probelet_api_requests_total Requests served by the agent's API.\n";
    out += "# TYPE probelet_api_requests_total counter\n";
    out += fmt::format("probelet_api_requests_total {}\n", requests_);
    out +=
        "# HELP probelet_api_rejected_connections_total Connections closed at once because "
        "the connection cap was reached.\n";
    out += "# TYPE probelet_api_rejected_connections_total counter\n";
    out += fmt::format("probelet_api_rejected_connections_total {}\n", rejected_);
    out +=
        "# HELP probelet_api_throttled_requests_total Requests that waited for their turn so "
        "the API keeps within its share of the event loop.\n";
    out += "# TYPE probelet_api_throttled_requests_total counter\n";
    out += fmt::format("probelet_api_throttled_requests_total {}\n", throttled_);
    out += "# HELP probelet_api_watches Watch streams open (kubectl get -w and the like).\n";
    out += "# TYPE probelet_api_watches gauge\n";
    out += fmt::format("probelet_api_watches {}\n", watch_streams_.size());
    out +=
        "# HELP probelet_api_watches_dropped_total Watches closed because their client did not "
        "read their events.\n";
    out += "# TYPE probelet_api_watches_dropped_total counter\n";
    out += fmt::format("probelet_api_watches_dropped_total {}\n",
                       watches_ != nullptr ? watches_->dropped_watchers() : 0);
  }

  static net::awaitable<void> AcceptLoop(std::shared_ptr<Impl> self) {
    net::steady_timer backoff(self->io_);
    while (!self->stopped_) {
      auto [ec, socket] = co_await self->acceptor_.async_accept(kUseTuple);
      if (self->stopped_) break;
      if (ec) {
        if (ec == net::error::operation_aborted) break;
        // EMFILE/ENFILE and the like: the pending connection stays queued; retry later.
        spdlog::warn("api server: accept: {}", ec.message());
        backoff.expires_after(kAcceptBackoff);
        co_await backoff.async_wait(kUseTuple);
        continue;
      }
      if (self->connections_.size() >= self->options_.max_connections) {
        ++self->rejected_;
        error_code ignored;
        socket.close(ignored);
        continue;
      }
      net::co_spawn(self->io_, Session(self, std::move(socket)), PassOnEscaped("connection"));
    }
  }

  static net::awaitable<void> Session(std::shared_ptr<Impl> self, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    Registration registration(*self, &stream);
    const ApiServerOptions& opt = self->options_;
    beast::flat_buffer buffer(opt.max_header_bytes + kMaxBodyBytes + 1024);
    for (bool first = true; !self->stopped_; first = false) {
      // Wait for a request to begin (idle keep-alive connections go after idle_timeout; a new
      // connection must start within request_timeout), then for all of it (slowloris).
      if (buffer.size() == 0) {
        stream.expires_after(ToSteady(first ? opt.request_timeout : opt.idle_timeout));
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(1024), kUseTuple);
        if (ec) co_return;
        buffer.commit(n);
      }
      stream.expires_after(ToSteady(opt.request_timeout));
      http::request_parser<http::string_body> parser;
      parser.header_limit(static_cast<uint32_t>(opt.max_header_bytes));
      parser.body_limit(kMaxBodyBytes);
      auto [ec, n] = co_await http::async_read(stream, buffer, parser, kUseTuple);
      if (self->stopped_) co_return;
      if (ec) {
        if (ec == http::error::header_limit) {
          co_await SendError(stream, 431, "request header fields too large");
        } else if (ec == http::error::body_limit) {
          co_await SendError(stream, 413, "request body too large");
        } else if (ec != http::error::end_of_stream && ec != beast::error::timeout &&
                   ec != net::error::operation_aborted && ec != net::error::connection_reset &&
                   ec != net::error::eof && ec != http::error::partial_message) {
          co_await SendError(stream, 400, "malformed request");
        }
        co_return;
      }
      ++self->requests_;
      const http::request<http::string_body>& req = parser.get();
      HttpRequest request{std::string(req.method_string()), std::string(req.target()),
                          std::string(req[http::field::accept]),
                          std::string(req[http::field::if_none_match])};
      HttpResponse response;
      if (!co_await self->Admit()) co_return;
      base::MonoTime start = self->clock_.Now();
      // Whatever a handler throws (of any type) is this request's 500, not the server's end.
      try {
        response = self->handler_.Handle(request);
      } catch (...) {
        response = InternalError(request, std::current_exception());
      }
      self->Release(self->clock_.Now() - start);
      bool head = req.method() == http::verb::head;
      // A long body is produced a piece per admission, so probes run in between. Over HTTP/1.1
      // each piece goes out as it comes (StreamProduced); HEAD and HTTP/1.0 wait for the whole
      // body, whose Content-Length they need.
      const bool chunked = response.produce && !head && req.version() >= 11;
      while (response.produce && !chunked) {
        Piece piece = co_await ProducePiece(*self, request, response);
        if (piece == Piece::kStopped) co_return;
        if (piece != Piece::kMore) response.produce = nullptr;
      }
      if (response.watch && !head) {
        co_await StreamWatch(stream, std::move(response.watch), req.version() >= 11,
                             ToSteady(opt.request_timeout), self->watch_streams_, self->stopped_);
        co_return;
      }
      response.watch.reset();
      // A request with a body (GET/HEAD have none) is answered, then the connection closed.
      // A malformed request (400) is not worth a second chance on the same connection.
      bool keep_alive = req.keep_alive() && req.body().empty() && response.status != 400 &&
                        response.status < 500 && !response.log;
      if (response.log && !head) {
        co_await StreamLog(self, stream, std::move(*response.log));
        co_return;
      }
      stream.expires_after(ToSteady(opt.request_timeout));
      if (chunked) {
        if (!co_await StreamProduced(self, stream, request, response, keep_alive)) co_return;
      } else if (!co_await SendResponse(stream, response, req.version(), keep_alive, head)) {
        co_return;
      }
      if (!keep_alive) break;
    }
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  // The 500 answer to a request whose handler threw `e` (logged with the request).
  static HttpResponse InternalError(const HttpRequest& request, const std::exception_ptr& e) {
    spdlog::error("api server: {} {}: {}", request.method, request.target, Describe(e));
    return HttpResponse{500, "text/plain; charset=utf-8", "internal error\n", {}, {}, {}, {}};
  }

  template <typename Body>
  static http::response<Body> MakeHeader(const HttpResponse& r, unsigned version, bool keep_alive) {
    http::response<Body> res{static_cast<http::status>(r.status), version};
    res.set(http::field::server, "probelet");
    res.set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res.set(k, v);
    res.keep_alive(keep_alive);
    return res;
  }

  // Takes the body from `r` rather than copy it (a PodList of 2,000 pods is megabytes).
  static http::response<http::string_body> MakeResponse(HttpResponse& r, unsigned version,
                                                        bool keep_alive) {
    auto res = MakeHeader<http::string_body>(r, version, keep_alive);
    res.body() = std::move(r.body);
    res.prepare_payload();
    return res;
  }

  enum class Piece { kMore, kDone, kThrew, kStopped };

  // Produces the next piece of r's body (HttpResponse::produce) in an admitted turn of the
  // loop. kThrew: `r` is now the request's 500 (logged); kStopped: the server stopped first.
  static net::awaitable<Piece> ProducePiece(Impl& self, const HttpRequest& request,
                                            HttpResponse& r) {
    if (!co_await self.Admit()) co_return Piece::kStopped;
    base::MonoTime start = self.clock_.Now();
    Piece piece = Piece::kDone;
    try {
      piece = r.produce(r.body) ? Piece::kDone : Piece::kMore;
    } catch (...) {
      r = InternalError(request, std::current_exception());
      piece = Piece::kThrew;
    }
    self.Release(self.clock_.Now() - start);
    co_return piece;
  }

  // Sends `r` as a chunked HTTP/1.1 response: the header and what Handle wrote of the body,
  // then the rest as it is produced, a piece per admission, in chunks of about
  // kBodyChunkBytes. The body is never whole in memory: a 20 MB /probes list, grown by doubling
  // and then freed, held the loop for tens of milliseconds in copies and page faults alone.
  // A piece that throws once the header is out can only cut the body short (no last chunk,
  // the connection closed), which the client sees as an incomplete response. False: close.
  static net::awaitable<bool> StreamProduced(std::shared_ptr<Impl> self, beast::tcp_stream& stream,
                                             const HttpRequest& request, HttpResponse& r,
                                             bool keep_alive) {
    auto res = MakeHeader<http::empty_body>(r, 11, keep_alive);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    if (auto [ec, n] = co_await http::async_write_header(stream, sr, kUseTuple); ec) {
      co_return false;
    }
    for (bool done = false; !done;) {
      Piece piece = co_await ProducePiece(*self, request, r);
      if (piece == Piece::kStopped || piece == Piece::kThrew) co_return false;
      done = piece == Piece::kDone;
      if (r.body.size() >= kBodyChunkBytes || (done && !r.body.empty())) {
        stream.expires_after(ToSteady(self->options_.request_timeout));
        auto [ec, n] =
            co_await net::async_write(stream, http::make_chunk(net::buffer(r.body)), kUseTuple);
        if (ec) co_return false;
        r.body.clear();  // its capacity is the next chunk's
      }
    }
    auto [ec, n] = co_await net::async_write(stream, http::make_chunk_last(), kUseTuple);
    co_return !ec;
  }

  static net::awaitable<bool> SendResponse(beast::tcp_stream& stream, HttpResponse& r,
                                           unsigned version, bool keep_alive, bool head) {
    http::response<http::string_body> res = MakeResponse(r, version, keep_alive);
    if (head) {
      // HEAD: the GET response's header (Content-Length included), no body.
      http::response<http::empty_body> h{res.result(), version};
      h.base() = res.base();
      auto [ec, n] = co_await http::async_write(stream, h, kUseTuple);
      co_return !ec;
    }
    auto [ec, n] = co_await http::async_write(stream, res, kUseTuple);
    co_return !ec;
  }

  // Answers a request that cannot be served, then closes gracefully: our side is shut down
  // first and what the client still sends (the rest of a huge header) is read and dropped for
  // a little while, so the kernel does not reset the connection before the answer is read.
  static net::awaitable<void> SendError(beast::tcp_stream& stream, int status,
                                        std::string_view message) {
    HttpResponse r{
        status, "text/plain; charset=utf-8", fmt::format("{} {}\n", status, message), {}, {}, {},
        {}};
    stream.expires_after(kLingerTime);
    if (!co_await SendResponse(stream, r, 11, /*keep_alive=*/false, /*head=*/false)) co_return;
    error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    char sink[4096];
    size_t drained = 0;
    stream.expires_after(kLingerTime);
    while (drained < kLingerBytes) {
      auto [rec, n] = co_await stream.async_read_some(net::buffer(sink), kUseTuple);
      if (rec) break;
      drained += n;
    }
  }

  // The body of a `logs` request: the file from stream.offset, decoded, as HTTP chunks; then,
  // with follow, new lines as they are written, until the container stops or restarts or the
  // client goes. The connection closes afterwards.
  static net::awaitable<void> StreamLog(std::shared_ptr<Impl> self, beast::tcp_stream& stream,
                                        LogStream log) {
    const ApiServerOptions& opt = self->options_;
    http::response<http::empty_body> res{http::status::ok, 11};
    res.set(http::field::server, "probelet");
    res.set(http::field::content_type, "text/plain");
    res.keep_alive(false);
    res.chunked(true);
    http::response_serializer<http::empty_body> sr{res};
    stream.expires_after(ToSteady(opt.request_timeout));
    if (auto [ec, n] = co_await http::async_write_header(stream, sr, kUseTuple); ec) co_return;

    CriLogDecoder decoder(log.options);
    std::optional<int64_t> remaining = log.options.limit_bytes;
    net::steady_timer poll(self->io_);
    int idle_polls = 0;
    bool done = false;
    while (!done && !self->stopped_) {
      auto chunk = ReadFileChunk(log.path, log.offset, kLogChunkBytes);
      std::string out;
      if (!chunk) {
        done = true;  // the file went away (pod removed): end the stream
      } else if (!chunk->empty()) {
        log.offset += chunk->size();
        decoder.Feed(*chunk, out);
        idle_polls = 0;
      } else if (!log.options.follow) {
        decoder.Flush(out);
        done = true;
      } else {
        // Nothing new: wait, unless the client left or the container no longer writes here.
        if (PeerClosed(stream.socket())) co_return;
        if (++idle_polls % kFollowChecksEvery == 0 && !self->handler_.StillCurrent(log)) {
          // One more read: lines written just before the container stopped.
          log.options.follow = false;
          continue;
        }
        poll.expires_after(ToSteady(opt.log_follow_poll));
        co_await poll.async_wait(kUseTuple);
        continue;
      }
      if (remaining && static_cast<int64_t>(out.size()) >= *remaining) {
        out.resize(static_cast<size_t>(*remaining));
        done = true;
      }
      if (remaining) *remaining -= static_cast<int64_t>(out.size());
      if (!out.empty()) {
        stream.expires_after(ToSteady(opt.request_timeout));
        auto [ec, n] =
            co_await net::async_write(stream, http::make_chunk(net::buffer(out)), kUseTuple);
        if (ec) co_return;
      }
    }
    if (self->stopped_) co_return;
    stream.expires_after(ToSteady(opt.request_timeout));
    co_await net::async_write(stream, http::make_chunk_last(), kUseTuple);
    error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  }

  net::io_context& io_;
  base::Clock& clock_;
  const ApiServerOptions options_;
  std::unique_ptr<LoopMonitor> monitor_;
  ApiHandler handler_;
  WatchCache* watches_;  // null: no watch
  std::set<WatchStreamEntry*> watch_streams_;
  tcp::acceptor acceptor_;
  std::set<beast::tcp_stream*> connections_;
  std::string bound_;
  bool stopped_ = true;
  uint64_t requests_ = 0;
  uint64_t rejected_ = 0;
  // Admission (Admit/Release): whether a request is being handled or has been handed the
  // next slot, when the next may start, and who waits, in arrival order.
  struct Waiter {
    explicit Waiter(net::io_context& io) : timer(io) {}
    net::steady_timer timer;
    bool granted = false;
  };
  bool busy_ = false;
  base::MonoTime next_slot_{};
  std::deque<std::shared_ptr<Waiter>> waiters_;
  uint64_t throttled_ = 0;
};

ApiServer::ApiServer(net::io_context& io, base::Clock& clock, const PodSource& source,
                     ApiServerOptions options, WatchCache* watches)
    : impl_(std::make_shared<Impl>(io, clock, source, std::move(options), watches)) {}

ApiServer::~ApiServer() { impl_->Release(); }

base::Status ApiServer::Start() { return impl_->Start(); }
std::string ApiServer::bound_address() const { return impl_->bound_address(); }
void ApiServer::Stop() { impl_->Stop(); }
size_t ApiServer::connection_count() const { return impl_->connection_count(); }

}  // namespace probelet::server
