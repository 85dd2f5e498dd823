// Building the HTTP GET of an httpGet probe exactly as the kubelet does (pkg/probe/http/request.go:
// NewRequestForHTTPGetAction, formatURL, newProbeRequest; §5.3.1), and writing the bytes Go's
// client puts on the wire for it (§5.3.2.9).
//
// The kubelet builds a Go url.URL from the probe's path, prints it, and http.NewRequest parses
// the printed form again; the request-URI on the wire is what survives that round trip
// (§5.3.2.9.3). This file reproduces the parts of Go's net/url and net/textproto that matter
// for it, without a regex or a general URL library, so a request is built in microseconds.
//
// Pure functions on value types; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/pod.h"
#include "base/expected.h"
#include "probe/probers.h"

namespace probelet::probe {

// The kubelet's NewRequestForHTTPGetAction (§5.3.1): scheme lower-cased ("" -> "http"), host =
// action.host or `pod_ip`, port resolved by name or number (§5.1.2; an error is returned with
// the kubelet's text, which the prober maps to Unknown + error), URL from formatURL (T41),
// header names canonicalised in the user's order (T42), User-Agent defaulted to `user_agent`
// unless given (an empty given value sends none), Accept defaulted to */* unless given (an
// empty first value removes it), the Host header overriding the URL host (§5.3.1.8).
base::Expected<HttpRequest> NewRequestForHTTPGetAction(
    const api::HTTPGetAction& action, const api::Container& container, std::string_view pod_ip,
    std::string_view user_agent = kDefaultUserAgent);

// For `probelet probe http URL --header 'K: V'...`: `url` is http(s)://host[:port][/path][?query]
// with IPv6 literals in brackets; the port defaults to 80/443. The path and query go through the
// same rules as a probe's path, and the headers through the same defaults. Errors name the bad
// part ("missing scheme", "invalid port", "header without ':'", ...).
base::Expected<HttpRequest> ParseProbeUrl(std::string_view url,
                                          const std::vector<std::string>& headers,
                                          std::string_view user_agent = kDefaultUserAgent);

// Go's formatURL + URL.String(): the URL the kubelet prints in errors and events, e.g.
// ("https", "localhost", 93, "/path?bar") -> "https://localhost:93/path?bar" (T41). IPv6 hosts
// get brackets.
std::string FormatURL(std::string_view scheme, std::string_view host, int port,
                      std::string_view path);

// The request-URI Go sends for a probe `path` after request.go's formatURL and
// http.NewRequest's re-parse (§5.3.2.9.3): "" -> "/", "?foo" -> "/?foo",
// "foo" -> "/foo", "/a b" -> "/a%20b", "/%zz" -> "/%25zz".
std::string RequestURIForPath(std::string_view path);

// Go's textproto.CanonicalMIMEHeaderKey: "FOO-bAR" -> "Foo-Bar"; a name holding a byte that is
// not a token character (a space, say) is returned unchanged (T42).
std::string CanonicalHeaderKey(std::string_view name);

// Go's httpguts.ValidHeaderFieldName / ValidHeaderFieldValue: a non-empty token; a value with
// no control byte other than tab. Go's transport refuses a request that breaks them with
// `net/http: invalid header field name "<name>"` / `... value for "<name>"`.
bool ValidHeaderFieldName(std::string_view name);
bool ValidHeaderFieldValue(std::string_view value);

// `request.url` when set, else scheme://host:port + path_and_query: the URL in error texts.
std::string RequestUrl(const HttpRequest& request);

// The Host line Go's Request.write sends: the first `Host` header if non-empty
// (newProbeRequest, request.go, sets req.Host from it, §5.3.1.8), else the URL's host:port (the
// port always written, IPv6 in brackets; §5.3.2.9.2).
std::string HostHeaderValue(const HttpRequest& request);
// The same, appended to `out` (the request head of every probe: no temporary string).
void AppendHostHeaderValue(const HttpRequest& request, std::string& out);

// Appends the request head Go's client writes for `request` with keep-alives and compression
// off (§5.3.2.9): request line, Host, User-Agent (unless empty), the other headers sorted by
// name (values of one name in order, trimmed), Referer when `referer` is non-empty and not
// already given (Go adds it on redirected hops), Connection: close unless the request already
// asks to close, and the empty line. Precondition: header names and values are valid (above).
void AppendRequestHead(const HttpRequest& request, std::string& out, std::string_view referer = {});

}  // namespace probelet::probe
