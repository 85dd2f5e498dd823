#include "server/watch_stream.h"

#include <fmt/format.h>
#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http.hpp>

namespace probelet::server {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using boost::system::error_code;

namespace {

constexpr auto kUseTuple = net::as_tuple(net::use_awaitable);

std::string Chunk(const std::string& data) {
  return fmt::format("{:x}\r\n", data.size()) + data + "\r\n";
}

// A peer that closed its side: recv(MSG_PEEK) sees the end of the stream (or an error).
bool PeerClosed(tcp::socket& socket) {
  char c;
  ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

}  // namespace

void EndWatchNow(WatchStreamEntry& w) {
  if (w.writing) return;
  std::string tail;
  if (w.watcher->has_pending()) {
    std::string lines = w.watcher->TakePending();
    tail = w.chunked ? Chunk(lines) : std::move(lines);
  }
  if (w.chunked) tail += "0\r\n\r\n";
  int fd = w.stream->socket().native_handle();
  size_t sent = 0;
  while (sent < tail.size()) {
    ssize_t n = ::send(fd, tail.data() + sent, tail.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  error_code ignored;
  w.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
}

net::awaitable<void> StreamWatch(beast::tcp_stream& stream, std::shared_ptr<Watcher> watcher,
                                 bool chunked, std::chrono::steady_clock::duration write_timeout,
                                 std::set<WatchStreamEntry*>& registry, const bool& stopped) {
  // Shared with the socket's readability handler, which may run after the coroutine ends.
  struct Wait {
    explicit Wait(const net::any_io_executor& ex) : timer(ex) {}
    net::steady_timer timer;
    bool readable = false;
    bool done = false;
  };
  auto wait = std::make_shared<Wait>(stream.get_executor());
  wait->timer.expires_at(net::steady_timer::time_point::max());
  if (watcher->timeout) {
    wait->timer.expires_after(
        std::chrono::duration_cast<std::chrono::steady_clock::duration>(*watcher->timeout));
  }
  WatchStreamEntry entry{&stream, watcher.get(), chunked};
  registry.insert(&entry);
  watcher->SetWakeup([w = wait.get()] { w->timer.cancel(); });
  struct Cleanup {
    std::set<WatchStreamEntry*>& registry;
    WatchStreamEntry& entry;
    Wait& wait;
    ~Cleanup() {
      registry.erase(&entry);
      entry.watcher->SetWakeup(nullptr);
      wait.done = true;
    }
  } cleanup{registry, entry, *wait};

  http::response<http::empty_body> res{http::status::ok, chunked ? 11u : 10u};
  res.set(http::field::server, "probelet");
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-cache, private");
  res.keep_alive(false);
  if (chunked) res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  stream.expires_after(write_timeout);
  entry.writing = true;
  auto [hec, hn] = co_await http::async_write_header(stream, sr, kUseTuple);
  entry.writing = false;
  if (hec || stopped) co_return;
  stream.socket().async_wait(tcp::socket::wait_read, [wait](error_code ec) {
    if (wait->done) return;
    if (!ec) wait->readable = true;
    wait->timer.cancel();
  });

  for (;;) {
    if (watcher->has_pending() && watcher->state() != Watcher::State::kDropped) {
      std::string out = watcher->TakePending();
      stream.expires_after(write_timeout);
      entry.writing = true;
      auto [ec, n] =
          chunked ? co_await net::async_write(stream, http::make_chunk(net::buffer(out)), kUseTuple)
                  : co_await net::async_write(stream, net::buffer(out), kUseTuple);
      entry.writing = false;
      if (ec || stopped) co_return;
      continue;
    }
    if (stopped || watcher->state() == Watcher::State::kDropped) co_return;
    if (watcher->state() == Watcher::State::kDone) break;
    if (wait->readable) {
      if (PeerClosed(stream.socket())) co_return;
      break;  // the client sent more than its request: end the watch
    }
    stream.expires_never();
    auto [ec] = co_await wait->timer.async_wait(kUseTuple);
    if (!ec) break;  // timeoutSeconds reached: the stream ends cleanly
  }
  if (stopped) co_return;
  stream.expires_after(write_timeout);
  if (chunked) co_await net::async_write(stream, http::make_chunk_last(), kUseTuple);
  error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace probelet::server
