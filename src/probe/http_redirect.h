// Redirects of the HTTP prober (Go's client.do under the kubelet's RedirectChecker, §5.3.3):
// which responses are redirects, where a Location points (Go's URL.Parse of the Location
// against the request URL, with its resolvePath), and the request of the next hop (Referer,
// Host override, credentials dropped for another domain). Whether to follow (same host or
// followNonLocalRedirects, at most kMaxRedirects) is decided by the prober (http_prober.cc).
//
// Pure functions on value types; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "probe/probers.h"

namespace probelet::probe {

inline constexpr int kMaxRedirects = 10;  // Go's client and the kubelet's RedirectChecker

// Go follows 301, 302, 303, 307 and 308 when they carry a Location; any other 3xx is final.
bool IsRedirectStatus(int status);

// Where a redirect leads.
struct RedirectTarget {
  std::string scheme;
  std::string host;  // hostname, no brackets
  int port = 0;
  std::string authority;  // as in the URL (the Host header when not overridden)
  std::string path;       // path and query, not yet escaped
  bool absolute = false;  // the Location had a scheme (Go's URL.IsAbs)
};

// Resolves a redirect's Location `loc` against the hop `base` that got it, whose URL authority
// is `base_authority` (host[:port] as written): an absolute URL, a scheme-relative
// "//host/path", an absolute path, a query, or a relative path merged with the current
// directory; dot segments removed, the fragment dropped. nullopt when Go's client could not
// follow it (a bad authority or port, "scheme:opaque").
std::optional<RedirectTarget> ResolveLocation(const HttpRequest& base,
                                              std::string_view base_authority,
                                              std::string_view loc);

// Go's resolvePath: merges `ref` with the directory of `base` and removes "." and ".."
// segments; the result starts with '/'.
std::string ResolvePath(std::string_view base, std::string_view ref);

// The request of the hop that follows a redirect to `target`, given the probe's `first`
// request: its follow_non_local_redirects and its headers. Its Host override survives a
// relative Location only (T39, Go issue 22233); otherwise the target's authority is sent.
// Authorization, Www-Authenticate, Cookie and Cookie2 are dropped when the target is neither
// `first`'s host nor a subdomain of it.
HttpRequest RedirectRequest(const HttpRequest& first, const RedirectTarget& target);

// Go's Referer for the hop after `current`: its URL, or "" (none) from https to http.
std::string RedirectReferer(const HttpRequest& current, const RedirectTarget& target);

}  // namespace probelet::probe
