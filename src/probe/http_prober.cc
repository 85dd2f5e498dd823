// The kubelet's HTTP prober (pkg/probe/http/http.go, DoHTTPProbe; §5.3) on Boost.Asio: one
// coroutine per attempt on the caller's io_context, one deadline per attempt on the prober's
// clock bounding the whole of it (dial, TLS, every redirect hop, headers and body, §5.3.2.7).
// This file holds the attempt's I/O; the rules it applies live beside it:
//  - the bytes on the wire as Go's client writes them: http_request.h;
//  - the response parsed into bounded buffers (headers <= kMaxResponseHeaderBytes, body kept to
//    10 KiB, §5.3.4.2): http_response_parser.h;
//  - where a redirect leads and the next hop's request (§5.3.3): http_redirect.h;
//  - Go's error texts (`Get "<url>": <cause>`, e.g. `dial tcp 127.0.0.1:1: connect: connection
//    refused`); errors while reading the body are the kubelet's "could not probe" errors
//    (Outcome::error, §4.2.5), everything else is a failure with the text as output:
//    http_errors.h;
//  - the status rule (200-399 passes, 3xx as a Warning): http_status.h.
//
// The hot path (tens of thousands of probes per second from one core): the SSL_CTX is made
// once; deadlines share one timer (deadline_list.h); attempts beyond max_in_flight wait in a
// FIFO (probe_socket.h); a plain-HTTP request is sent as soon as connect() returns when the
// handshake already completed in the kernel; no regex, a handful of allocations per probe.
//
// Not done like Go: HTTP/2 is never offered over TLS (ALPN offers http/1.1 only; §5.3.2.9.4);
// response headers are limited to 64 KiB (Go: 10 MB); a 101 response is final with an empty
// body; Go's separate 10 s TLS handshake timeout is not applied (the probe timeout is).
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/error.hpp>
#include <cerrno>
#include <cstring>
#include <optional>

#include "base/clock.h"
#include "base/host_port.h"
#include "probe/attempt_set.h"
#include "probe/http_errors.h"
#include "probe/http_redirect.h"
#include "probe/http_request.h"
#include "probe/http_response_parser.h"
#include "probe/http_status.h"
#include "probe/probe_socket.h"

namespace probelet::probe {
namespace {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

// A typical probe response (a status line, a few headers, a short body) fits, and so does the
// block in glibc's per-thread cache (requests up to 1,032 bytes): 2,048 took malloc's slow path
// on every probe.
constexpr size_t kInitialBuffer = 1024;
constexpr int kMax1xxResponses = 5;  // Go's transport

bool IsIPLiteral(std::string_view host) {
  error_code ec;
  (void)asio::ip::make_address(std::string(host), ec);
  return !ec;
}

// OpenSSL's message callback: records the 5-byte header of the first record received.
void KeepFirstRecordHeader(int write_p, int, int content_type, const void* buf, size_t len, SSL*,
                           void* arg) {
  auto* header = static_cast<std::array<char, 5>*>(arg);
  if (write_p == 0 && content_type == SSL3_RT_HEADER && len >= header->size() &&
      (*header)[0] == 0) {
    std::memcpy(header->data(), buf, header->size());
  }
}

class HttpProberImpl;

// One probe attempt. Owned by its coroutine frame and the co_spawn completion handler; listed
// in the prober so the prober can cancel it. Runs on the prober's io_context only.
class Attempt : public std::enable_shared_from_this<Attempt>, public DeadlineEntry {
 public:
  Attempt(HttpProberImpl* owner, asio::io_context& io, HttpRequestPtr request, OutcomeCallback done)
      : owner_(owner), io_(io), first_(std::move(request)), done_(std::move(done)), socket_(io) {}

  asio::awaitable<void> Run();
  // The prober's DeadlineList says the timeout has passed.
  void OnDeadline() override { OnTimeout(); }
  // From the prober's destructor: stop without calling back.
  void Cancel();
  // An exception escaped the coroutine (allocation failure): report it as "could not probe".
  void Abort(const std::string& why);

  Attempt* prev = nullptr;
  Attempt* next = nullptr;
  bool in_probe_call = false;  // true while Probe() is still on the stack

 private:
  enum class Phase { kDial, kAwaitHeaders, kBody };

  asio::awaitable<Outcome> Execute();
  asio::awaitable<std::optional<Outcome>> Dial();
  template <class Stream>
  asio::awaitable<std::optional<Outcome>> Exchange(Stream& stream);
  template <class Stream>
  asio::awaitable<std::optional<Outcome>> ReadBody(Stream& stream);
  // Moves on to the next hop's request, for a followed redirect (http_redirect.h).
  void PrepareRedirect(const RedirectTarget& target);
  bool stopped() const { return timed_out_ || cancelled_; }
  Outcome StopOutcome() const;
  Outcome UrlErr(std::string_view cause) const { return UrlError(RequestUrl(*req_), cause); }
  std::string ReadErrorText(const error_code& ec) const;
  void EnsureBuffer(size_t needed);
  void OnTimeout();
  void CloseTransport();
  void Finish(Outcome outcome);

  HttpProberImpl* owner_;
  asio::io_context& io_;
  const HttpRequestPtr first_;  // never null
  OutcomeCallback done_;
  tcp::socket socket_;
  std::optional<tcp::resolver> resolver_;
  std::optional<ssl::stream<tcp::socket&>> tls_;
  std::array<char, 5> first_record_{};  // header of the first TLS record read (see below)
  bool timed_out_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
  Phase phase_ = Phase::kDial;

  // The current hop: the first request, or the one built for a followed redirect.
  const HttpRequest* req_ = first_.get();
  HttpRequest redirect_req_;
  std::string authority_;  // the current URL's host[:port] as written
  std::string head_;       // the current hop's request head
  size_t head_sent_ = 0;   // bytes of head_ already sent (by Dial's early send)
  std::string referer_;

  // Response state of the current hop. The buffer holds at most one header's worth of bytes
  // (kMaxResponseHeaderBytes); the body keeps at most kMaxRespBodyLength.
  std::unique_ptr<char[]> buf_;
  size_t buf_size_ = 0;
  size_t buf_used_ = 0;
  size_t received_ = 0;
  std::string body_;
  std::optional<HttpResponseParser> parser_;
};

class HttpProberImpl final : public HttpProber {
 public:
  HttpProberImpl(asio::io_context& io, base::Clock& clock, ProbeSocketOptions options,
                 ProberStats* stats)
      : io_(io),
        clock_(clock),
        options_(options),
        attempts_(clock_, options.max_in_flight, stats) {}

  // Destroying attempts_ cancels every pending attempt; their coroutines wind down on the loop
  // (or are destroyed with the io_context) without calling back.
  ~HttpProberImpl() override = default;

  using HttpProber::Probe;
  void Probe(HttpRequestPtr request, base::Duration timeout, OutcomeCallback done) override {
    // Go's client timeout runs from Do(): from now, also for an attempt that must wait.
    const base::MonoTime deadline = clock_.Now() + timeout;
    if (!attempts_.full()) return Start(std::move(request), timeout, deadline, std::move(done));
    attempts_.Wait(
        [this, request = std::move(request), timeout, deadline, done = std::move(done)]() mutable {
          Start(std::move(request), timeout, deadline, std::move(done));
        });
  }

  ssl::context& TlsContext() {
    if (!tls_context_) {
      // One SSL_CTX for every HTTPS probe: no verification and no client certificate, like the
      // TLS config the kubelet's HTTP prober is built with (http.go NewWithTLSConfig,
      // InsecureSkipVerify, §5.3.2.1); TLS 1.2+ as Go's client defaults; no session resumption
      // (Go's client has no session cache unless configured).
      tls_context_.emplace(ssl::context::tls_client);
      tls_context_->set_verify_mode(ssl::verify_none);
      SSL_CTX* ctx = tls_context_->native_handle();
      SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
      SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
      SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
      static constexpr unsigned char kAlpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
      SSL_CTX_set_alpn_protos(ctx, kAlpn, sizeof kAlpn);
    }
    return *tls_context_;
  }

  // Called once per attempt, when it finishes or is cancelled.
  void Unlink(Attempt* a) { attempts_.Remove(*a); }

  const ProbeSocketOptions& options() const { return options_; }
  void NoteBuffer(size_t size) {
    ProberStats& stats = attempts_.stats();
    stats.peak_read_buffer = std::max(stats.peak_read_buffer, size);
  }
  void NoteBody(size_t size) {
    ProberStats& stats = attempts_.stats();
    stats.peak_body = std::max(stats.peak_body, size);
  }

 private:
  // Starts an attempt that must end by `deadline`. Never calls back from here.
  void Start(HttpRequestPtr request, base::Duration timeout, base::MonoTime deadline,
             OutcomeCallback done) {
    auto attempt = std::make_shared<Attempt>(this, io_, std::move(request), std::move(done));
    attempts_.Add(*attempt, deadline, timeout);
    SpawnAttempt(io_, std::move(attempt));
  }

  asio::io_context& io_;
  base::Clock& clock_;
  ProbeSocketOptions options_;
  std::optional<ssl::context> tls_context_;
  AttemptSet<Attempt> attempts_;  // last: its destructor cancels attempts that use the above
};

asio::awaitable<void> Attempt::Run() {
  Outcome outcome = co_await Execute();
  CloseTransport();
  Finish(std::move(outcome));
}

void Attempt::OnTimeout() {
  if (finished_ || cancelled_) return;
  timed_out_ = true;
  CloseTransport();
}

void Attempt::Cancel() {
  cancelled_ = true;
  owner_ = nullptr;
  CloseTransport();
}

void Attempt::Abort(const std::string& why) {
  CloseTransport();
  Finish(Outcome{Result::kUnknown, std::string(), "http probe aborted: " + why});
}

void Attempt::CloseTransport() {
  if (resolver_) resolver_->cancel();
  if (socket_.is_open()) {
    // SO_LINGER was set when the socket was opened (probe_socket.cc says why).
    error_code ignored;
    socket_.close(ignored);
  }
}

void Attempt::Finish(Outcome outcome) {
  if (cancelled_ || finished_) return;
  finished_ = true;
  HttpProberImpl* owner = owner_;
  owner_ = nullptr;
  owner->Unlink(this);
  DeliverOutcome(io_, in_probe_call, std::move(done_), std::move(outcome));
}

void Attempt::EnsureBuffer(size_t needed) {
  if (needed <= buf_size_) return;
  size_t size = std::max(buf_size_ * 2, kInitialBuffer);
  while (size < needed) size *= 2;
  auto bigger = std::make_unique_for_overwrite<char[]>(size);  // no memset: it is read into
  if (buf_used_) std::memcpy(bigger.get(), buf_.get(), buf_used_);
  buf_ = std::move(bigger);
  buf_size_ = size;
  if (owner_) owner_->NoteBuffer(buf_size_);
}

Outcome Attempt::StopOutcome() const {
  if (cancelled_) return Outcome{};  // never delivered
  if (phase_ == Phase::kBody) return BodyError(std::string(kTimeoutReadingBody));
  return UrlErr(kTimeoutAwaitingHeaders);
}

std::string Attempt::ReadErrorText(const error_code& ec) const {
  if (ec.category() == asio::error::get_ssl_category() || ec == ssl::error::stream_truncated) {
    return TlsErrorText(ec);
  }
  return NetOpError("read", socket_, ec);
}

asio::awaitable<std::optional<Outcome>> Attempt::Dial() {
  phase_ = Phase::kDial;
  const HttpRequest& r = *req_;
  const auto port = static_cast<unsigned short>(r.port);
  std::vector<tcp::endpoint> endpoints;
  error_code ec;
  if (r.host.empty()) {
    // No host and an empty pod IP give the kubelet's URL "http://:port" (request.go
    // NewRequestForHTTPGetAction); Go dials that as the local system (§5.1.3, §9.14 d).
    endpoints.emplace_back(asio::ip::address_v4::loopback(), port);
  } else if (const asio::ip::address addr = asio::ip::make_address(r.host, ec); !ec) {
    endpoints.emplace_back(addr, port);
  } else {
    if (!resolver_) resolver_.emplace(io_);
    auto [rec, results] = co_await resolver_->async_resolve(r.host, std::to_string(r.port), kAwait);
    if (stopped()) co_return StopOutcome();
    if (rec || results.empty()) co_return UrlErr("dial tcp: lookup " + r.host + ": no such host");
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }
  // Like Go's dialer: each address in turn; the first error is the one reported.
  std::optional<Outcome> first_error;
  for (const tcp::endpoint& ep : endpoints) {
    if (stopped()) co_return StopOutcome();
    // Go's text names the address dialed; only built when there is an error to report.
    auto address = [&] {
      return r.host.empty() ? ":" + std::to_string(r.port)
                            : base::JoinHostPort(ep.address().to_string(), ep.port());
    };
    head_sent_ = 0;
    socket_.open(ep.protocol(), ec);
    if (ec) co_return UrlErr("dial tcp " + address() + ": socket: " + ErrnoText(ec.value()));
    if (owner_) ApplyCloseMode(socket_.native_handle(), owner_->options().close_mode);
    // connect() by hand, then wait for writability and read SO_ERROR: Asio's async_connect
    // adds a poll() per connect, and this path runs once per probe.
    int connect_err = 0;
    socket_.non_blocking(true, ec);
    if (ec) {
      connect_err = ec.value();
    } else if (::connect(socket_.native_handle(), ep.data(), static_cast<socklen_t>(ep.size())) !=
               0) {
      connect_err = errno;
      if (connect_err == EINPROGRESS && r.scheme == "http") {
        // A probe of a pod on this node (or loopback) is usually connected by the time
        // connect() returns: the handshake ran in the kernel within the call. Sending the
        // request now saves waiting for writability and asking SO_ERROR. Until the handshake
        // is done the kernel answers EAGAIN; a failed connect reports its error here.
        head_.clear();
        AppendRequestHead(*req_, head_, referer_);
        const ssize_t n = ::send(socket_.native_handle(), head_.data(), head_.size(), MSG_NOSIGNAL);
        if (n >= 0) {
          head_sent_ = static_cast<size_t>(n);
          connect_err = 0;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
          connect_err = errno;
        }
      }
      if (connect_err == EINPROGRESS) connect_err = co_await AwaitConnect(socket_);
    }
    if (stopped()) co_return StopOutcome();
    if (connect_err == 0) co_return std::nullopt;
    if (!first_error) {
      first_error = UrlErr("dial tcp " + address() + ": connect: " + ErrnoText(connect_err));
    }
    socket_.close(ec);
  }
  co_return first_error;
}

template <class Stream>
asio::awaitable<std::optional<Outcome>> Attempt::Exchange(Stream& stream) {
  phase_ = Phase::kAwaitHeaders;
  if (head_sent_ == 0) {
    head_.clear();
    AppendRequestHead(*req_, head_, referer_);
  }
  if (head_sent_ < head_.size()) {
    auto [wec, written] = co_await asio::async_write(
        stream, asio::buffer(head_.data() + head_sent_, head_.size() - head_sent_), kAwait);
    if (stopped()) co_return StopOutcome();
    if (wec) {
      co_return UrlErr(wec.category() == asio::error::get_ssl_category()
                           ? TlsErrorText(wec)
                           : NetOpError("write", socket_, wec));
    }
  }
  // Read until a final header is parsed; a 1xx other than 101 is skipped (Go's transport).
  body_.clear();
  received_ = 0;
  buf_used_ = 0;
  EnsureBuffer(kInitialBuffer);
  int informational = 0;
  parser_.emplace(body_);
  bool need_read = true;
  for (;;) {
    if (need_read) {
      if (buf_used_ == buf_size_) {
        if (buf_size_ > kMaxResponseHeaderBytes) {
          co_return UrlErr(HeadersTooLarge(kMaxResponseHeaderBytes));
        }
        EnsureBuffer(buf_size_ + 1);
      }
      auto [rec, n] = co_await stream.async_read_some(
          asio::buffer(buf_.get() + buf_used_, buf_size_ - buf_used_), kAwait);
      if (stopped()) co_return StopOutcome();
      if (rec) {
        const bool eof = rec == asio::error::eof || rec == ssl::error::stream_truncated;
        if (eof) co_return UrlErr(received_ == 0 ? "EOF" : "unexpected EOF");
        co_return UrlErr(ReadErrorText(rec));
      }
      received_ += n;
      buf_used_ += n;
    }
    need_read = true;
    error_code pec;
    const size_t used = parser_->put(asio::buffer(buf_.get(), buf_used_), pec);
    if (pec == bhttp::error::need_more) pec = {};
    if (pec == bhttp::error::header_limit) {
      co_return UrlErr(HeadersTooLarge(kMaxResponseHeaderBytes));
    }
    if (pec && parser_->status() == 0) {
      co_return UrlErr(MalformedStatusLine(std::string_view(buf_.get(), buf_used_)));
    }
    if (pec) co_return UrlErr("malformed HTTP response header: " + pec.message());
    if (used) {
      std::memmove(buf_.get(), buf_.get() + used, buf_used_ - used);
      buf_used_ -= used;
    }
    if (!parser_->is_header_done()) continue;
    const int status = parser_->status();
    if (status >= 100 && status < 200 && status != 101) {
      if (++informational > kMax1xxResponses) {
        co_return UrlErr("net/http: too many 1xx informational responses");
      }
      body_.clear();
      parser_.emplace(body_);
      need_read = buf_used_ == 0;  // parse what already followed the 1xx first
      continue;
    }
    co_return std::nullopt;
  }
}

template <class Stream>
asio::awaitable<std::optional<Outcome>> Attempt::ReadBody(Stream& stream) {
  phase_ = Phase::kBody;
  // A 101 hands the connection over to another protocol: no HTTP body to read.
  while (parser_->status() != 101 && !parser_->is_done() && !parser_->body_full()) {
    // The eager parser has consumed every body byte read so far, except a partial chunk
    // header, which stays at the front of the buffer.
    if (buf_used_ == buf_size_) {
      if (buf_size_ > kMaxResponseHeaderBytes) co_return BodyError("malformed chunked encoding");
      EnsureBuffer(buf_size_ + 1);
    }
    auto [rec, n] = co_await stream.async_read_some(
        asio::buffer(buf_.get() + buf_used_, buf_size_ - buf_used_), kAwait);
    if (stopped()) co_return StopOutcome();
    if (rec == asio::error::eof || rec == ssl::error::stream_truncated) {
      error_code eec;
      parser_->put_eof(eec);
      if (eec) co_return BodyError("unexpected EOF");
      break;
    }
    if (rec) co_return BodyError(ReadErrorText(rec));
    buf_used_ += n;
    error_code pec;
    const size_t used = parser_->put(asio::buffer(buf_.get(), buf_used_), pec);
    if (pec == bhttp::error::need_more) pec = {};
    if (pec) co_return BodyError(pec.message());
    if (used) {
      std::memmove(buf_.get(), buf_.get() + used, buf_used_ - used);
      buf_used_ -= used;
    }
  }
  if (owner_) owner_->NoteBody(body_.size());
  co_return std::nullopt;
}

void Attempt::PrepareRedirect(const RedirectTarget& target) {
  referer_ = RedirectReferer(*req_, target);  // before req_ moves on
  redirect_req_ = RedirectRequest(*first_, target);
  req_ = &redirect_req_;
  authority_ = target.authority;
}

asio::awaitable<Outcome> Attempt::Execute() {
  // Go's transport refuses invalid header names and values before dialing.
  for (const auto& [name, value] : first_->headers) {
    if (!ValidHeaderFieldName(name)) {
      co_return UrlErr("net/http: invalid header field name \"" + name + "\"");
    }
    if (!ValidHeaderFieldValue(value)) {
      co_return UrlErr("net/http: invalid header field value for \"" + name + "\"");
    }
  }
  for (int redirects = 0;; ++redirects) {
    // The timeout may have passed between two hops, with no socket open to close.
    if (stopped()) co_return StopOutcome();
    const HttpRequest& r = *req_;
    if (r.scheme != "http" && r.scheme != "https") {
      co_return UrlErr("unsupported protocol scheme \"" + r.scheme + "\"");
    }
    if (std::optional<Outcome> failed = co_await Dial()) co_return std::move(*failed);
    const bool https = r.scheme == "https";
    if (https) {
      if (!owner_) co_return Outcome{};
      tls_.emplace(socket_, owner_->TlsContext());
      // SNI carries the URL's host name, never an IP literal (Go's crypto/tls).
      if (!r.host.empty() && !IsIPLiteral(r.host)) {
        SSL_set_tlsext_host_name(tls_->native_handle(), r.host.c_str());
      }
      // Keep the first record header the server sends: Go reports a plain HTTP answer on a
      // TLS connection as "http: server gave HTTP response to HTTPS client".
      first_record_ = {};
      SSL_set_msg_callback(tls_->native_handle(), &KeepFirstRecordHeader);
      SSL_set_msg_callback_arg(tls_->native_handle(), &first_record_);
      phase_ = Phase::kAwaitHeaders;
      auto [hec] = co_await tls_->async_handshake(ssl::stream_base::client, kAwait);
      if (stopped()) co_return StopOutcome();
      if (hec) {
        if (std::string_view(first_record_.data(), first_record_.size()) == "HTTP/") {
          co_return UrlErr("http: server gave HTTP response to HTTPS client");
        }
        co_return UrlErr(TlsErrorText(hec));
      }
      if (std::optional<Outcome> failed = co_await Exchange(*tls_)) co_return std::move(*failed);
    } else if (std::optional<Outcome> failed = co_await Exchange(socket_)) {
      co_return std::move(*failed);
    }

    // Redirects: Go's client.do with the kubelet's RedirectChecker (§5.3.3).
    const int status = parser_->status();
    if (IsRedirectStatus(status) && parser_->location()) {
      const std::string loc = *parser_->location();
      if (authority_.empty()) authority_ = base::JoinHostPort(first_->host, first_->port);
      std::optional<RedirectTarget> target = ResolveLocation(r, authority_, loc);
      if (!target) co_return UrlErr("failed to parse Location header \"" + loc + "\"");
      // The kubelet's RedirectChecker (http.go): with followNonLocalRedirects false, follow only
      // when the target's hostname, without the port, equals the FIRST request's (§5.3.3.1).
      if (first_->follow_non_local_redirects || target->host == first_->host) {
        if (redirects + 1 >= kMaxRedirects) {
          co_return UrlError(loc, "stopped after 10 redirects");  // Go names the Location
        }
        CloseTransport();
        tls_.reset();
        PrepareRedirect(*target);
        continue;
      }
      // Off-host: the 3xx itself is the final response (http.ErrUseLastResponse).
    }
    if (https) {
      if (std::optional<Outcome> failed = co_await ReadBody(*tls_)) co_return std::move(*failed);
    } else if (std::optional<Outcome> failed = co_await ReadBody(socket_)) {
      co_return std::move(*failed);
    }
    // DoHTTPProbe's status rule (http.go, §5.3.4.3; see http_status.h): 2xx success, 3xx
    // warning, else failure. The body was already cut at 10 KiB, no error (T40).
    co_return HttpStatusOutcome(status, std::move(body_));
  }
}

}  // namespace

std::unique_ptr<HttpProber> NewHttpProber(boost::asio::io_context& io, base::Clock& clock,
                                          const ProbeSocketOptions& options, ProberStats* stats) {
  return std::make_unique<HttpProberImpl>(io, clock, options, stats);
}

std::unique_ptr<HttpProber> NewHttpProber(boost::asio::io_context& io, base::Clock& clock) {
  return NewHttpProber(io, clock, ProbeSocketOptions{});
}

}  // namespace probelet::probe
