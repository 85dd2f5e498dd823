#include "probe/http_redirect.h"

#include <algorithm>
#include <cctype>

#include "probe/http_request.h"

namespace probelet::probe {
namespace {

bool ParseAuthority(std::string_view authority, std::string_view scheme, RedirectTarget& r) {
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

bool IsSensitiveHeader(std::string_view name) {
  return name == "Authorization" || name == "Www-Authenticate" || name == "Cookie" ||
         name == "Cookie2";
}

}  // namespace

bool IsRedirectStatus(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

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

std::optional<RedirectTarget> ResolveLocation(const HttpRequest& base,
                                              std::string_view base_authority,
                                              std::string_view loc) {
  RedirectTarget r;
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
    if (!ParseAuthority(rest.substr(0, slash), r.scheme, r)) return std::nullopt;
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
    r.path = rest.empty() ? std::string() : ResolvePath("", rest);
    r.path += query;
    return r;
  }
  if (has_scheme) return std::nullopt;  // "scheme:opaque": nothing Go could dial
  r.host = base.host;
  r.port = base.port;
  r.authority = std::string(base_authority);
  const std::string_view base_uri = base.path_and_query;
  const std::string_view base_path = base_uri.substr(0, base_uri.find('?'));
  if (rest.empty() && !has_query) {
    r.path = std::string(base_uri);
    return r;
  }
  r.path = rest.empty() ? std::string(base_path) : ResolvePath(base_path, rest);
  r.path += query;
  return r;
}

HttpRequest RedirectRequest(const HttpRequest& first, const RedirectTarget& target) {
  HttpRequest next;
  next.scheme = target.scheme;
  next.host = target.host;
  next.port = target.port;
  next.follow_non_local_redirects = first.follow_non_local_redirects;
  next.path_and_query = RequestURIForPath(target.path);
  next.url = target.scheme + "://" + target.authority + next.path_and_query;
  const std::string* host_override = nullptr;
  for (const auto& [name, value] : first.headers) {
    if (name == "Host") {
      host_override = &value;
      break;
    }
  }
  const bool keep_host = host_override && !host_override->empty() && !target.absolute;
  // Hostnames compared without the port, as the kubelet's RedirectChecker compares them
  // (http.go, §5.3.3.1); sensitive headers (credentials, cookies) go only to the same host or a
  // subdomain of it (Go's shouldCopyHeaderOnRedirect).
  const bool same_host = target.host == first.host;
  const bool other_domain = !same_host && !(target.host.size() > first.host.size() &&
                                            target.host.ends_with("." + first.host));
  next.headers.reserve(first.headers.size() + 1);
  if (!keep_host) next.headers.emplace_back("Host", target.authority);
  for (const auto& h : first.headers) {
    if (h.first == "Host" && !keep_host) continue;
    if (other_domain && IsSensitiveHeader(h.first)) continue;
    next.headers.push_back(h);
  }
  return next;
}

std::string RedirectReferer(const HttpRequest& current, const RedirectTarget& target) {
  if (current.scheme == "https" && target.scheme == "http") return std::string();
  return RequestUrl(current);
}

}  // namespace probelet::probe
