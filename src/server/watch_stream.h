// Serving one watch (kube_watch.h) on an HTTP connection: the watcher's lines as HTTP chunks
// (a raw stream for HTTP/1.0), each batch one chunk, until the watch ends (its timeoutSeconds, or
// the WatchCache finished it: then the last chunk), the client leaves, does not keep up
// (dropped: closed at once), or the server stops (EndWatchNow). Waiting costs nothing: one
// timer at the timeout (or never) that a new line cancels, and the socket's readability (the
// client closing) left to the reactor.
//
// Thread safety: the server's event loop thread. Ownership: the stream, the registry and
// `stopped` must outlive the coroutine (the ApiServer's session keeps them).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <memory>
#include <set>

#include "base/clock.h"
#include "server/watch_cache.h"

namespace probelet::server {

// A watch being streamed, registered for the server's Stop (EndWatchNow).
struct WatchStreamEntry {
  boost::beast::tcp_stream* stream;
  Watcher* watcher;
  bool chunked;
  bool writing = false;  // a write is under way: Stop cannot add to it
};

// Streams `watcher` after writing the response header. `write_timeout` bounds each write (a
// client that stops reading); `registry` holds the entry while it streams; once `stopped` is
// true the server has ended the stream (EndWatchNow) and the coroutine only returns.
boost::asio::awaitable<void> StreamWatch(boost::beast::tcp_stream& stream,
                                         std::shared_ptr<Watcher> watcher, bool chunked,
                                         std::chrono::steady_clock::duration write_timeout,
                                         std::set<WatchStreamEntry*>& registry,
                                         const bool& stopped);

// Sends what the watcher has queued and the last chunk without waiting, if the socket takes
// them, then shuts the socket down: a stopping server's loop may not turn again (the agent
// stops it next), and a watch should still end cleanly, as the API server ends it.
void EndWatchNow(WatchStreamEntry& entry);

}  // namespace probelet::server
