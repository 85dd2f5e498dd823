// Go's error texts for the HTTP prober: what Go's net/http client returns, as the kubelet
// prints it in a probe's output (`Get "<url>": <cause>`), for every way an attempt can fail
// before a final status is in hand, and the "could not probe" errors of reading the body
// (Outcome::error, §4.2.5).
//
// Pure functions; thread-safe.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "probe/result.h"

namespace probelet::probe {

// The causes of a timeout, by where the attempt was (Go's client.Timeout texts).
inline constexpr std::string_view kTimeoutAwaitingHeaders =
    "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
inline constexpr std::string_view kTimeoutReadingBody =
    "context deadline exceeded (Client.Timeout or context cancellation while reading body)";

// A failure whose output is Go's url.Error: `Get "<url>": <cause>`.
Outcome UrlError(std::string_view url, std::string_view cause);

// A body that could not be read: no output, `error` set (the kubelet's "could not probe").
Outcome BodyError(std::string error);

// Go's net.OpError for a socket operation `op` ("read", "write") that failed with `ec` on
// `socket`: "read tcp 127.0.0.1:5000->127.0.0.1:80: read: connection reset by peer".
std::string NetOpError(std::string_view op, const boost::asio::ip::tcp::socket& socket,
                       const boost::system::error_code& ec);

// Go's texts for a status line it cannot parse (net/http ReadResponse), from the bytes
// received (`buffered` starts at the status line): `malformed HTTP response "..."`,
// `malformed HTTP status code "..."`, `malformed HTTP version "..."`.
std::string MalformedStatusLine(std::string_view buffered);

// Go's wording for a TLS failure that OpenSSL reports in its own terms: "EOF",
// "tls: first record does not look like a TLS handshake", "remote error: tls: handshake
// failure", else "tls: " + OpenSSL's message.
std::string TlsErrorText(const boost::system::error_code& ec);

// net/http's "server response headers exceeded <limit> bytes; aborted".
std::string HeadersTooLarge(size_t limit);

}  // namespace probelet::probe
