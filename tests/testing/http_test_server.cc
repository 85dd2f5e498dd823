#include "testing/http_test_server.h"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace probelet::testing {
namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);
constexpr size_t kMaxRequestHead = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

SeenRequest ParseHead(std::string head) {
  SeenRequest r;
  r.head = std::move(head);
  std::string_view rest = r.head;
  auto next_line = [&rest]() {
    const size_t end = rest.find("\r\n");
    std::string_view line = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 2);
    return line;
  };
  const std::string_view request_line = next_line();
  const size_t sp1 = request_line.find(' ');
  const size_t sp2 = request_line.rfind(' ');
  if (sp1 != std::string_view::npos && sp2 > sp1) {
    r.method = std::string(request_line.substr(0, sp1));
    r.target = std::string(request_line.substr(sp1 + 1, sp2 - sp1 - 1));
  }
  r.path = r.target.substr(0, r.target.find('?'));
  for (std::string_view line = next_line(); !line.empty(); line = next_line()) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    r.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return r;
}

// A self-signed certificate for "localhost", made with the OpenSSL API at start-up.
void UseGeneratedCertificate(ssl::context& ctx) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("cannot create a test key or certificate");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign the test certificate");
  }
  SSL_CTX_use_certificate(ctx.native_handle(), cert.get());
  SSL_CTX_use_PrivateKey(ctx.native_handle(), key.get());
}

}  // namespace

std::optional<std::string> SeenRequest::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreCase(k, name)) return v;
  }
  return std::nullopt;
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers.emplace_back("Content-Type", "text/plain");
  return r;
}
Response Response::Redirect(int status, std::string location) {
  Response r;
  r.status = status;
  r.headers.emplace_back("Location", std::move(location));
  return r;
}
Response Response::NoAnswer() {
  Response r;
  r.mode = Mode::kNoAnswer;
  return r;
}
Response Response::Raw(std::string bytes) {
  Response r;
  r.mode = Mode::kRaw;
  r.raw = std::move(bytes);
  return r;
}
Response Response::RawThenReset(std::string bytes) {
  Response r;
  r.mode = Mode::kRawThenReset;
  r.raw = std::move(bytes);
  return r;
}
Response Response::Stream(uint64_t bytes) {
  Response r;
  r.mode = Mode::kStreamBody;
  r.stream_bytes = bytes;
  return r;
}
Response Response::Drip(std::chrono::milliseconds interval) {
  Response r;
  r.mode = Mode::kDripBody;
  r.drip_interval = interval;
  return r;
}
Response Response::Echo(const SeenRequest& request) { return Text(200, request.head); }

struct HttpTestServer::Impl {
  explicit Impl(HttpTestServerOptions o) : options(std::move(o)), acceptor(io) {
    const tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen(asio::socket_base::max_listen_connections);
    port = acceptor.local_endpoint().port();
    if (options.tls) {
      tls.emplace(ssl::context::tls_server);
      UseGeneratedCertificate(*tls);
    }
    asio::co_spawn(io, Accept(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    io.stop();
    thread.join();
  }

  asio::awaitable<void> Accept() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(kAwait);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        continue;  // EMFILE and the like: keep serving
      }
      ++connections;
      asio::co_spawn(io, Serve(std::move(socket)), asio::detached);
    }
  }

  asio::awaitable<void> Serve(tcp::socket socket) {
    if (options.greeting) {
      co_await asio::async_write(socket, asio::buffer(*options.greeting), kAwait);
      co_return;
    }
    if (!tls) {
      co_await ServeStream(socket, socket, std::string());
      co_return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, kAwait);
    if (ec) co_return;
    const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
    co_await ServeStream(stream, stream.next_layer(), sni ? sni : "");
  }

  template <class Stream>
  asio::awaitable<void> ServeStream(Stream& stream, tcp::socket& lowest, std::string sni) {
    std::string buf;
    size_t end = std::string::npos;
    char chunk[4096];
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      if (buf.size() > kMaxRequestHead) co_return;
      auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), kAwait);
      if (ec) co_return;
      buf.append(chunk, n);
    }
    SeenRequest request = ParseHead(buf.substr(0, end + 4));
    request.sni = std::move(sni);
    Handler handler;
    {
      std::lock_guard lock(mu);
      seen.push_back(request);
      auto it = handlers.find(request.path);
      if (it != handlers.end()) {
        handler = it->second;
      } else {
        handler = fallback;
      }
    }
    const Response response = handler ? handler(request) : Response::Text(404, "not found");
    if (response.delay.count() > 0) {
      asio::steady_timer timer(io, response.delay);
      co_await timer.async_wait(kAwait);
    }
    using Mode = Response::Mode;
    switch (response.mode) {
      case Mode::kNormal: {
        std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                          std::string(Reason(response.status)) + "\r\n";
        for (const auto& [k, v] : response.headers) out += k + ": " + v + "\r\n";
        out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
        out += "Connection: close\r\n\r\n";
        out += response.body;
        co_await asio::async_write(stream, asio::buffer(out), kAwait);
        break;
      }
      case Mode::kNoAnswer:
        // Hold the connection until the client leaves (or the server stops).
        for (;;) {
          auto [ec, n] = co_await stream.async_read_some(asio::buffer(chunk), kAwait);
          if (ec) break;
        }
        break;
      case Mode::kRaw:
        co_await asio::async_write(stream, asio::buffer(response.raw), kAwait);
        break;
      case Mode::kRawThenReset: {
        co_await asio::async_write(stream, asio::buffer(response.raw), kAwait);
        linger l{1, 0};
        ::setsockopt(lowest.native_handle(), SOL_SOCKET, SO_LINGER, &l, sizeof l);
        error_code ignored;
        lowest.close(ignored);
        break;
      }
      case Mode::kStreamBody: {
        const std::string head =
            "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(response.stream_bytes) +
            "\r\nConnection: close\r\n\r\n";
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kAwait);
        static const std::string kBlock(64 * 1024, 'a');
        uint64_t left = response.stream_bytes;
        while (!ec && left > 0) {
          const size_t size = static_cast<size_t>(std::min<uint64_t>(left, kBlock.size()));
          std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer(kBlock, size), kAwait);
          left -= n;
        }
        break;
      }
      case Mode::kDripBody: {
        const std::string head = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
        auto [ec, n] = co_await asio::async_write(stream, asio::buffer(head), kAwait);
        asio::steady_timer timer(io);
        while (!ec) {
          timer.expires_after(response.drip_interval);
          co_await timer.async_wait(kAwait);
          std::tie(ec, n) = co_await asio::async_write(stream, asio::buffer("a", 1), kAwait);
        }
        break;
      }
    }
    error_code ignored;
    lowest.close(ignored);
  }

  HttpTestServerOptions options;
  asio::io_context io;
  tcp::acceptor acceptor;
  std::optional<ssl::context> tls;
  uint16_t port = 0;
  std::atomic<size_t> connections{0};
  mutable std::mutex mu;
  std::map<std::string, Handler, std::less<>> handlers;
  Handler fallback;
  std::vector<SeenRequest> seen;
  std::thread thread;
};

HttpTestServer::HttpTestServer(HttpTestServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpTestServer::~HttpTestServer() = default;

void HttpTestServer::Handle(std::string path, Handler handler) {
  std::lock_guard lock(impl_->mu);
  impl_->handlers[std::move(path)] = std::move(handler);
}

void HttpTestServer::HandleDefault(Handler handler) {
  std::lock_guard lock(impl_->mu);
  impl_->fallback = std::move(handler);
}

uint16_t HttpTestServer::port() const { return impl_->port; }

std::string HttpTestServer::Url(std::string_view path) const {
  return std::string(impl_->options.tls ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

std::vector<SeenRequest> HttpTestServer::requests() const {
  std::lock_guard lock(impl_->mu);
  return impl_->seen;
}

size_t HttpTestServer::connections() const { return impl_->connections.load(); }

}  // namespace probelet::testing
