// The kubelet's HTTP prober (pkg/probe/http/http.go, DoHTTPProbe; §5.3) on Boost.Asio: one
// coroutine per attempt on the caller's io_context, one deadline per attempt bounding the whole
// of it (dial, TLS, every redirect hop, headers and body, §5.3.2.7), bytes on the wire as Go's
// client writes them (http_request.h), the response parsed with Beast's basic_parser into
// bounded buffers (headers <= kMaxHeaderBytes, body kept to 10 KiB, §5.3.4.2).
//
// Error texts follow Go's client: `Get "<url>": <cause>`, e.g. `dial tcp 127.0.0.1:1: connect:
// connection refused`, `context deadline exceeded (Client.Timeout exceeded while awaiting
// headers)`. Errors while reading the body are the kubelet's "could not probe" errors
// (Outcome::error, §4.2.5); everything else is a failure with the text as output.
//
// The hot path (tens of thousands of probes per second from one core): the SSL_CTX is made
// once; deadlines share one timer (deadline_list.h); attempts beyond max_in_flight wait in a
// FIFO (probe_dialer.h); a plain-HTTP request is sent as soon as connect() returns when the
// handshake already completed in the kernel; no regex, a handful of allocations per probe.
//
// Not done like Go: HTTP/2 is never offered over TLS (ALPN offers http/1.1 only; §5.3.2.9.4);
// response headers are limited to 64 KiB (Go: 10 MB); a 101 response is final with an empty
// body; Go's separate 10 s TLS handshake timeout is not applied (the probe timeout is).
#include <openssl/err.h>
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
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>

#include "base/asio_clock.h"
#include "probe/attempt_set.h"
#include "probe/http_request.h"
#include "probe/probe_dialer.h"

namespace probelet::probe {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

constexpr size_t kMaxBody = 10240;             // maxRespBodyLength (§5.3.4.2)
constexpr size_t kMaxHeaderBytes = 64 * 1024;  // Go allows 10 MB; see header comment
constexpr size_t kInitialBuffer = 2048;        // a typical probe response fits
constexpr int kMaxRedirects = 10;              // Go's client and RedirectChecker
constexpr int kMax1xxResponses = 5;            // Go's transport

// Beast's parser with callbacks that keep only what a probe needs: the status, the first
// Location, and the body up to 10 KiB (the rest is parsed and dropped).
class ResponseParser final : public bhttp::basic_parser<false> {
 public:
  explicit ResponseParser(std::string& body) : body_(body) {
    header_limit(static_cast<std::uint32_t>(kMaxHeaderBytes));
    body_limit(boost::none);
    eager(true);
  }
  int status() const { return status_; }
  const std::optional<std::string>& location() const { return location_; }
  bool body_full() const { return body_.size() >= kMaxBody; }

 private:
  void on_request_impl(bhttp::verb, beast::string_view, beast::string_view, int,
                       error_code&) override {}
  void on_response_impl(int code, beast::string_view, int, error_code&) override { status_ = code; }
  void on_field_impl(bhttp::field name, beast::string_view, beast::string_view value,
                     error_code&) override {
    if (name == bhttp::field::location && !location_) location_.emplace(value.data(), value.size());
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  size_t on_body_impl(beast::string_view s, error_code&) override {
    Keep(s);
    return s.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast::string_view, error_code&) override {}
  size_t on_chunk_body_impl(std::uint64_t, beast::string_view s, error_code&) override {
    Keep(s);
    return s.size();
  }
  void on_finish_impl(error_code&) override {}

  void Keep(beast::string_view s) {
    const size_t room = kMaxBody - std::min(body_.size(), kMaxBody);
    body_.append(s.data(), std::min(room, s.size()));
  }

  std::string& body_;
  int status_ = 0;
  std::optional<std::string> location_;
};

Outcome Failure(std::string output) { return Outcome{Result::kFailure, std::move(output), {}}; }

Outcome UrlError(const std::string& url, std::string_view cause) {
  std::string out = "Get \"";
  out += url;
  out += "\": ";
  out += cause;
  return Failure(std::move(out));
}

Outcome BodyError(std::string error) {
  return Outcome{Result::kFailure, std::string(), std::move(error)};
}

bool IsIPLiteral(std::string_view host) {
  error_code ec;
  (void)asio::ip::make_address(std::string(host), ec);
  return !ec;
}

// Go's "read tcp 127.0.0.1:5000->127.0.0.1:80: read: connection reset by peer".
std::string NetOpError(std::string_view op, const tcp::socket& socket, const error_code& ec) {
  error_code ignored;
  const tcp::endpoint local = socket.local_endpoint(ignored);
  const tcp::endpoint remote = socket.remote_endpoint(ignored);
  std::string out(op);
  out += " tcp ";
  out += JoinHostPort(local.address().to_string(), local.port());
  out += "->";
  out += JoinHostPort(remote.address().to_string(), remote.port());
  out += ": ";
  out += op;
  out += ": ";
  out += ec.category() == asio::error::get_system_category() ? ErrnoText(ec.value()) : ec.message();
  return out;
}

// Go's texts for a status line it cannot parse (net/http ReadResponse).
std::string MalformedStatusLine(std::string_view buffered) {
  std::string_view line = buffered.substr(0, buffered.find('\n'));
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return "malformed HTTP response \"" + std::string(line) + "\"";
  }
  const std::string_view proto = line.substr(0, space);
  std::string_view rest = line.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  const std::string_view code = rest.substr(0, rest.find(' '));
  if (code.size() != 3 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "malformed HTTP status code \"" + std::string(code) + "\"";
  }
  const bool version_ok = proto.size() == 8 && proto.substr(0, 5) == "HTTP/" && proto[5] >= '0' &&
                          proto[5] <= '9' && proto[6] == '.' && proto[7] >= '0' && proto[7] <= '9';
  if (!version_ok) return "malformed HTTP version \"" + std::string(proto) + "\"";
  return "malformed HTTP response \"" + std::string(line) + "\"";
}

// Go's wording for TLS failures that OpenSSL reports in its own terms.
std::string TlsErrorText(const error_code& ec) {
  if (ec == ssl::error::stream_truncated || ec == asio::error::eof) return "EOF";
  if (ec.category() == asio::error::get_ssl_category()) {
    switch (ERR_GET_REASON(static_cast<unsigned long>(ec.value()))) {
      case SSL_R_WRONG_VERSION_NUMBER:
      case SSL_R_UNKNOWN_PROTOCOL:
      case SSL_R_PACKET_LENGTH_TOO_LONG:
      case SSL_R_RECORD_LENGTH_MISMATCH:
      case SSL_R_HTTP_REQUEST:
        return "tls: first record does not look like a TLS handshake";
      case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
        return "remote error: tls: handshake failure";
      default:
        break;
    }
  }
  return "tls: " + ec.message();
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

// Resolves a redirect's Location against the hop that got it (Go's URL.Parse on the request
// URL): an absolute URL, a scheme-relative "//host/path", an absolute path, a query, or a
// relative path merged with the current directory. Dot segments are removed.
struct Resolved {
  std::string scheme;
  std::string host;  // hostname, no brackets
  int port = 0;
  std::string authority;  // as in the URL (the Host header when not overridden)
  std::string path;       // path and query, not yet escaped
  bool absolute = false;  // the Location had a scheme (Go's URL.IsAbs)
};

// Go's resolvePath: merges `ref` with the directory of `base` and removes "." and ".."
// segments; the result starts with '/'.
std::string ResolvePath(std::string_view base, std::string_view ref) {
  std::string full;
  if (ref.empty()) {
    full = std::string(base);
  } else if (ref.front() != '/') {
    const size_t slash = base.rfind('/');
    full = std::string(base.substr(0, slash == std::string_view::npos ? 0 : slash + 1));
    full += ref;
  } else {
    full = std::string(ref);
  }
  if (full.empty()) return "/";
  std::string dst = "/";
  bool first = true;
  std::string_view remaining = full;
  std::string_view elem;
  bool found = true;
  while (found) {
    const size_t slash = remaining.find('/');
    found = slash != std::string_view::npos;
    elem = remaining.substr(0, slash);
    remaining = found ? remaining.substr(slash + 1) : std::string_view();
    if (elem == ".") {
      first = false;
      continue;
    }
    if (elem == "..") {
      const std::string str = dst.substr(1);
      const size_t index = str.rfind('/');
      dst = "/";
      if (index == std::string::npos) {
        first = true;
      } else {
        dst += str.substr(0, index);
      }
    } else {
      if (!first) dst += '/';
      dst += elem;
      first = false;
    }
  }
  if (elem == "." || elem == "..") dst += '/';
  if (dst.size() > 1 && dst[1] == '/') dst.erase(0, 1);
  return dst;
}

bool ParseAuthority(std::string_view authority, std::string_view scheme, Resolved& r) {
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    r.host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    r.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  r.authority = std::string(authority);
  if (port_text.empty()) {
    r.port = scheme == "https" ? 443 : 80;
    return true;
  }
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) return false;
    port = port * 10 + (c - '0');
  }
  r.port = port;
  return port <= 65535;
}

bool ResolveLocation(const HttpRequest& base, std::string_view base_authority, std::string_view loc,
                     Resolved& r) {
  if (const size_t hash = loc.find('#'); hash != std::string_view::npos) loc = loc.substr(0, hash);
  size_t i = 0;
  while (i < loc.size() && (std::isalnum(static_cast<unsigned char>(loc[i])) || loc[i] == '+' ||
                            loc[i] == '-' || loc[i] == '.')) {
    ++i;
  }
  const bool has_scheme =
      i > 0 && i < loc.size() && loc[i] == ':' && std::isalpha(static_cast<unsigned char>(loc[0]));
  std::string_view rest = loc;
  r.scheme = base.scheme;
  if (has_scheme) {
    r.absolute = true;
    r.scheme.assign(loc.substr(0, i));
    std::transform(r.scheme.begin(), r.scheme.end(), r.scheme.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    rest = loc.substr(i + 1);
  }
  std::string_view query;
  bool has_query = false;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q);
    rest = rest.substr(0, q);
    has_query = true;
  }
  if (rest.substr(0, 2) == "//") {
    rest.remove_prefix(2);
    const size_t slash = rest.find('/');
    if (!ParseAuthority(rest.substr(0, slash), r.scheme, r)) return false;
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    r.path = rest.empty() ? std::string() : ResolvePath("", rest);
    r.path += query;
    return true;
  }
  if (has_scheme) return false;  // "scheme:opaque": nothing Go could dial
  r.host = base.host;
  r.port = base.port;
  r.authority = std::string(base_authority);
  const std::string_view base_uri = base.path_and_query;
  const std::string_view base_path = base_uri.substr(0, base_uri.find('?'));
  if (rest.empty() && !has_query) {
    r.path = std::string(base_uri);
    return true;
  }
  r.path = rest.empty() ? std::string(base_path) : ResolvePath(base_path, rest);
  r.path += query;
  return true;
}

bool IsSensitiveHeader(std::string_view name) {
  return name == "Authorization" || name == "Www-Authenticate" || name == "Cookie" ||
         name == "Cookie2";
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
  // The next hop's request for a followed redirect; false if Go would stop here.
  void PrepareRedirect(const Resolved& target, bool same_host);
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
  // (kMaxHeaderBytes); the body keeps at most kMaxBody.
  std::unique_ptr<char[]> buf_;
  size_t buf_size_ = 0;
  size_t buf_used_ = 0;
  size_t received_ = 0;
  std::string body_;
  std::optional<ResponseParser> parser_;
};

class HttpProberImpl final : public HttpProber {
 public:
  HttpProberImpl(asio::io_context& io, ProbeSocketOptions options, ProberStats* stats)
      : io_(io), clock_(io), options_(options), attempts_(clock_, options.max_in_flight, stats) {}

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
      // One SSL_CTX for every HTTPS probe: no verification and no client certificate, like
      // the kubelet's InsecureSkipVerify (§5.3.2.1); TLS 1.2+ as Go's client defaults; no
      // session resumption (Go's client has no session cache unless configured).
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
  base::AsioClock clock_;
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
    // SO_LINGER was set when the socket was opened (probe_dialer.cc says why).
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
  auto bigger = std::make_unique<char[]>(size);
  if (buf_used_) std::memcpy(bigger.get(), buf_.get(), buf_used_);
  buf_ = std::move(bigger);
  buf_size_ = size;
  if (owner_) owner_->NoteBuffer(buf_size_);
}

Outcome Attempt::StopOutcome() const {
  if (cancelled_) return Outcome{};  // never delivered
  if (phase_ == Phase::kBody) {
    return BodyError(
        "context deadline exceeded (Client.Timeout or context cancellation while "
        "reading body)");
  }
  return UrlErr("context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
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
    // Go dials ":port" as the local system (§5.1.3).
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
                            : JoinHostPort(ep.address().to_string(), ep.port());
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
        if (buf_size_ > kMaxHeaderBytes) {
          co_return UrlErr("net/http: server response headers exceeded " +
                           std::to_string(kMaxHeaderBytes) + " bytes; aborted");
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
      co_return UrlErr("net/http: server response headers exceeded " +
                       std::to_string(kMaxHeaderBytes) + " bytes; aborted");
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
      if (buf_size_ > kMaxHeaderBytes) co_return BodyError("malformed chunked encoding");
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

void Attempt::PrepareRedirect(const Resolved& target, bool same_host) {
  HttpRequest next;
  next.scheme = target.scheme;
  next.host = target.host;
  next.port = target.port;
  next.follow_non_local_redirects = first_->follow_non_local_redirects;
  next.path_and_query = RequestURIForPath(target.path);
  next.url = target.scheme + "://" + target.authority + next.path_and_query;
  // Go's Referer: the previous URL, unless going from https to http.
  referer_.clear();
  if (!(req_->scheme == "https" && target.scheme == "http")) referer_ = RequestUrl(*req_);
  // The first request's headers. Its Host override survives a relative Location only (T39,
  // Go issue 22233); otherwise the URL's host is sent. Credentials are dropped for another
  // domain (only reachable with follow_non_local_redirects).
  const std::string* host_override = nullptr;
  for (const auto& [name, value] : first_->headers) {
    if (name == "Host") {
      host_override = &value;
      break;
    }
  }
  const bool keep_host = host_override && !host_override->empty() && !target.absolute;
  const bool other_domain = !same_host && !(target.host.size() > first_->host.size() &&
                                            target.host.ends_with("." + first_->host));
  next.headers.reserve(first_->headers.size() + 1);
  if (!keep_host) next.headers.emplace_back("Host", target.authority);
  for (const auto& h : first_->headers) {
    if (h.first == "Host" && !keep_host) continue;
    if (other_domain && IsSensitiveHeader(h.first)) continue;
    next.headers.push_back(h);
  }
  redirect_req_ = std::move(next);
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

    // Redirects: Go's client.do with the kubelet's RedirectChecker (§5.3.3). Go follows
    // 301/302/303/307/308 that carry a Location; any other 3xx is final.
    const int status = parser_->status();
    const bool redirect_code =
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    if (redirect_code && parser_->location()) {
      const std::string loc = *parser_->location();
      Resolved target;
      if (authority_.empty()) authority_ = JoinHostPort(first_->host, first_->port);
      if (!ResolveLocation(r, authority_, loc, target)) {
        co_return UrlErr("failed to parse Location header \"" + loc + "\"");
      }
      // Hostnames compared without the port, against the FIRST request (§5.3.3.1).
      const bool same_host = target.host == first_->host;
      if (first_->follow_non_local_redirects || same_host) {
        if (redirects + 1 >= kMaxRedirects) {
          co_return UrlError(loc, "stopped after 10 redirects");  // Go names the Location
        }
        CloseTransport();
        tls_.reset();
        PrepareRedirect(target, same_host);
        continue;
      }
      // Off-host: the 3xx itself is the final response (http.ErrUseLastResponse).
    }
    if (https) {
      if (std::optional<Outcome> failed = co_await ReadBody(*tls_)) co_return std::move(*failed);
    } else if (std::optional<Outcome> failed = co_await ReadBody(socket_)) {
      co_return std::move(*failed);
    }
    // DoHTTPProbe's mapping (§5.3.4.3); the body was silently truncated at 10 KiB (T40).
    if (status >= 200 && status < 300) co_return Outcome{Result::kSuccess, std::move(body_), {}};
    if (status >= 300 && status < 400) {
      co_return Outcome{
          Result::kWarning, "Probe terminated redirects, Response body: " + body_, {}};
    }
    co_return Failure("HTTP probe failed with statuscode: " + std::to_string(status));
  }
}

}  // namespace

std::unique_ptr<HttpProber> NewHttpProber(boost::asio::io_context& io,
                                          const ProbeSocketOptions& options, ProberStats* stats) {
  return std::make_unique<HttpProberImpl>(io, options, stats);
}

std::unique_ptr<HttpProber> NewHttpProber(boost::asio::io_context& io) {
  return NewHttpProber(io, ProbeSocketOptions{});
}

}  // namespace probelet::probe
