#include "probe/http_request.h"

#include <algorithm>
#include <charconv>
#include <string>
#include <utility>

#include "api/port_resolution.h"
#include "base/host_port.h"

namespace probelet::probe {
namespace {

// --- Go net/url, the parts the kubelet's request building goes through -----------------------

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

enum class Mode { kPath, kFragment };

// Go's shouldEscape for encodePath / encodeFragment.
bool ShouldEscape(char c, Mode mode) {
  if (IsAlnum(c)) return false;
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      return mode == Mode::kPath ? c == '?' : false;
    default:
      break;
  }
  if (mode == Mode::kFragment && (c == '!' || c == '(' || c == ')' || c == '*')) return false;
  return true;
}

void Escape(std::string_view s, Mode mode, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : s) {
    if (ShouldEscape(c, mode)) {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    } else {
      out += c;
    }
  }
}

std::string Escaped(std::string_view s, Mode mode) {
  std::string out;
  out.reserve(s.size() + 8);
  Escape(s, mode, out);
  return out;
}

// Go's unescape in path/fragment mode: fails on a '%' not followed by two hex digits.
bool Unescape(std::string_view s, std::string& out) {
  out.clear();
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return true;
}

// Go's validEncoded: may `s` be sent as it is?
bool ValidEncoded(std::string_view s, Mode mode) {
  static constexpr std::string_view kSubDelims = "!$&'()*+,;=:@[]";
  for (char c : s) {
    if (kSubDelims.find(c) != std::string_view::npos || c == '%') continue;
    if (ShouldEscape(c, mode)) return false;
  }
  return true;
}

// The pieces of a parsed URL reference that reach the wire or the printed URL.
struct UrlRef {
  std::string path;      // decoded
  std::string raw_path;  // as written, when it differs from the escaped decoded path
  std::string query;     // raw
  bool force_query = false;
  std::string fragment;      // decoded
  std::string raw_fragment;  // as written
};

// Go's URL.EscapedPath.
std::string EscapedPath(const UrlRef& u) {
  if (!u.raw_path.empty() && ValidEncoded(u.raw_path, Mode::kPath)) {
    std::string p;
    if (Unescape(u.raw_path, p) && p == u.path) return u.raw_path;
  }
  if (u.path == "*") return "*";
  return Escaped(u.path, Mode::kPath);
}

std::string EscapedFragment(const UrlRef& u) {
  if (!u.raw_fragment.empty() && ValidEncoded(u.raw_fragment, Mode::kFragment)) {
    std::string f;
    if (Unescape(u.raw_fragment, f) && f == u.fragment) return u.raw_fragment;
  }
  return Escaped(u.fragment, Mode::kFragment);
}

bool HasCtlByte(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return b < 0x20 || b == 0x7f;
  });
}

// Go's getScheme: the scheme of `s`, if it has one. False when ':' comes first ("missing
// protocol scheme").
bool GetScheme(std::string_view s, std::string_view& scheme, std::string_view& rest) {
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return false;
      scheme = s.substr(0, i);
      rest = s.substr(i + 1);
      return true;
    }
    break;
  }
  scheme = {};
  rest = s;
  return true;
}

// A loose check of an authority's characters (userinfo@host:port); Go's parseAuthority is
// stricter about where each may appear, which only matters for paths starting with "//".
bool ValidAuthority(std::string_view a) {
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@[]%";
  return std::all_of(a.begin(), a.end(), [](char c) {
    return IsAlnum(c) || kAllowed.find(c) != std::string_view::npos;
  });
}

enum class ParseResult { kOk, kFailed, kOpaque };

// Go's url.Parse applied to a probe's path (a URL reference). kOpaque: the path has a scheme of
// its own and no '/', so Go would print "scheme:opaque" and drop the host.
ParseResult ParseReference(std::string_view raw, UrlRef& u) {
  if (HasCtlByte(raw)) return ParseResult::kFailed;  // "net/url: invalid control character in URL"
  std::string_view frag;
  if (const size_t hash = raw.find('#'); hash != std::string_view::npos) {
    frag = raw.substr(hash + 1);
    raw = raw.substr(0, hash);
  }
  std::string_view rest = raw;
  if (raw != "*") {
    std::string_view scheme;
    if (!GetScheme(raw, scheme, rest)) return ParseResult::kFailed;
    if (!rest.empty() && rest.back() == '?' && std::count(rest.begin(), rest.end(), '?') == 1) {
      u.force_query = true;
      rest.remove_suffix(1);
    } else if (const size_t q = rest.find('?'); q != std::string_view::npos) {
      u.query = std::string(rest.substr(q + 1));
      rest = rest.substr(0, q);
    }
    if (rest.empty() || rest.front() != '/') {
      if (!scheme.empty()) return ParseResult::kOpaque;
      const std::string_view segment = rest.substr(0, rest.find('/'));
      if (segment.find(':') != std::string_view::npos) return ParseResult::kFailed;
    }
    if ((!scheme.empty() || rest.substr(0, 3) != "///") && rest.substr(0, 2) == "//") {
      std::string_view authority = rest.substr(2);
      const size_t slash = authority.find('/');
      rest = slash == std::string_view::npos ? std::string_view() : authority.substr(slash);
      authority = authority.substr(0, slash);
      if (!ValidAuthority(authority)) return ParseResult::kFailed;
    }
  }
  if (!Unescape(rest, u.path)) return ParseResult::kFailed;
  if (Escaped(u.path, Mode::kPath) != rest) u.raw_path = std::string(rest);
  if (!frag.empty()) {
    if (!Unescape(frag, u.fragment)) return ParseResult::kFailed;
    if (Escaped(u.fragment, Mode::kFragment) != frag) u.raw_fragment = std::string(frag);
  }
  return ParseResult::kOk;
}

// The kubelet's formatURL: a path that does not parse is kept whole as the URL's Path.
UrlRef ReferenceForPath(std::string_view path, bool& opaque) {
  UrlRef u;
  opaque = false;
  switch (ParseReference(path, u)) {
    case ParseResult::kOk:
      break;
    case ParseResult::kOpaque:
      opaque = true;
      break;
    case ParseResult::kFailed:
      u = UrlRef{};
      u.path = std::string(path);
      break;
  }
  return u;
}

// Path, query and fragment as URL.String() prints them after the host.
std::string PrintedTail(const UrlRef& u) {
  std::string out = EscapedPath(u);
  if (!out.empty() && out.front() != '/') out.insert(out.begin(), '/');
  if (u.force_query || !u.query.empty()) out += '?' + u.query;
  if (!u.fragment.empty()) out += '#' + EscapedFragment(u);
  return out;
}

// URL.RequestURI() of the reparsed URL.
std::string RequestURI(const UrlRef& u) {
  std::string out = EscapedPath(u);
  if (out.empty()) {
    out = "/";
  } else if (out.front() != '/') {
    out.insert(out.begin(), '/');
  }
  if (u.force_query || !u.query.empty()) out += '?' + u.query;
  return out;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool IsTokenByte(char c) {
  if (IsAlnum(c)) return true;
  static constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  return kTokenPunct.find(c) != std::string_view::npos;
}

// textproto.TrimString: trims ASCII space, tab, CR and LF.
std::string_view TrimString(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Go's hasToken(v, "close"), case-insensitive, on token boundaries.
bool HasCloseToken(std::string_view v) {
  for (size_t i = 0; i + 5 <= v.size(); ++i) {
    if (ToLower(v.substr(i, 5)) != "close") continue;
    const bool start_ok = i == 0 || v[i - 1] == ' ' || v[i - 1] == ',' || v[i - 1] == '\t';
    const bool end_ok = i + 5 == v.size() || v[i + 5] == ' ' || v[i + 5] == ',' || v[i + 5] == '\t';
    if (start_ok && end_ok) return true;
  }
  return false;
}

const std::string* FirstHeader(const HttpRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return &v;
  }
  return nullptr;
}

// newProbeRequest's header defaults (request.go, §5.3.1.6-7), on canonical names: User-Agent
// "kube-probe/<major>.<minor>" unless given (an empty value sends none); Accept "*/*" unless
// given, and removed when its first value is empty.
void ApplyHeaderDefaults(std::vector<std::pair<std::string, std::string>>& headers,
                         std::string_view user_agent) {
  auto has = [&](std::string_view name) {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return h.first == name; });
  };
  if (!has("User-Agent")) headers.emplace_back("User-Agent", std::string(user_agent));
  if (!has("Accept")) {
    headers.emplace_back("Accept", "*/*");
  } else {
    const auto first = std::find_if(headers.begin(), headers.end(),
                                    [](const auto& h) { return h.first == "Accept"; });
    if (first->second.empty()) {
      std::erase_if(headers, [](const auto& h) { return h.first == "Accept"; });
    }
  }
}

// Fills url and path_and_query of `r` from the probe path, as formatURL + NewRequest do.
base::Status SetTarget(HttpRequest& r, std::string_view path) {
  bool opaque = false;
  const UrlRef u = ReferenceForPath(path, opaque);
  if (opaque) {
    // Go would print "<scheme>:<opaque>" and fail every probe with "http: no Host in request
    // URL"; refusing to build it says the same thing earlier.
    return base::Error{"http: no Host in request URL (path " + std::string(path) +
                       " has a scheme of its own)"};
  }
  r.url = r.scheme + "://" + base::JoinHostPort(r.host, r.port) + PrintedTail(u);
  r.path_and_query = RequestURI(u);
  return {};
}

}  // namespace

std::string FormatURL(std::string_view scheme, std::string_view host, int port,
                      std::string_view path) {
  bool opaque = false;
  const UrlRef u = ReferenceForPath(path, opaque);
  std::string out(scheme);
  out += "://";
  out += base::JoinHostPort(host, port);
  out += PrintedTail(u);
  return out;
}

std::string RequestURIForPath(std::string_view path) {
  bool opaque = false;
  return RequestURI(ReferenceForPath(path, opaque));
}

std::string CanonicalHeaderKey(std::string_view name) {
  std::string out(name);
  if (!std::all_of(out.begin(), out.end(), IsTokenByte)) return out;
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    upper = c == '-';
  }
  return out;
}

bool ValidHeaderFieldName(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), IsTokenByte);
}

bool ValidHeaderFieldValue(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto b = static_cast<unsigned char>(c);
    return (b < 0x20 && b != '\t') || b == 0x7f;
  });
}

std::string RequestUrl(const HttpRequest& request) {
  if (!request.url.empty()) return request.url;
  return request.scheme + "://" + base::JoinHostPort(request.host, request.port) +
         request.path_and_query;
}

void AppendHostHeaderValue(const HttpRequest& request, std::string& out) {
  if (const std::string* host = FirstHeader(request, "Host"); host && !host->empty()) {
    out += *host;
  } else {
    base::AppendHostPort(out, request.host, request.port);
  }
}

std::string HostHeaderValue(const HttpRequest& request) {
  std::string out;
  AppendHostHeaderValue(request, out);
  return out;
}

void AppendRequestHead(const HttpRequest& request, std::string& out, std::string_view referer) {
  // One allocation for the whole head (it was grown three times per probe): the fixed text
  // ("GET ", " HTTP/1.1", "Host: ", "Referer: ", "Connection: close", line ends) is under 80
  // bytes, a port at most 11 more.
  size_t size =
      out.size() + 96 + request.path_and_query.size() + request.host.size() + referer.size();
  for (const auto& [name, value] : request.headers) size += name.size() + value.size() + 4;
  out.reserve(size);
  out += "GET ";
  out += request.path_and_query.empty() ? std::string_view("/") : request.path_and_query;
  out += " HTTP/1.1\r\nHost: ";
  AppendHostHeaderValue(request, out);
  out += "\r\n";
  // Go's Request.write: the first User-Agent value, or none when it is empty.
  // (Go tests the value before trimming it, so "  " still sends an empty User-Agent line.)
  if (const std::string* ua = FirstHeader(request, "User-Agent"); ua && !ua->empty()) {
    out += "User-Agent: ";
    out += TrimString(*ua);
    out += "\r\n";
  }
  // Header.writeSubset: sorted by name, values of a name in order. Usually a handful of
  // headers, so a small index sort beats building a map.
  const auto& h = request.headers;
  size_t order_buf[16];
  std::vector<size_t> order_vec;
  size_t* order = order_buf;
  if (h.size() > 16) {
    order_vec.resize(h.size());
    order = order_vec.data();
  }
  for (size_t i = 0; i < h.size(); ++i) order[i] = i;
  auto by_name = [&](size_t a, size_t b) { return h[a].first < h[b].first; };
  if (order == order_buf) {
    // An insertion sort: stable, and unlike std::stable_sort it asks for no temporary buffer
    // (one malloc per probe for the usual two headers).
    for (size_t i = 1; i < h.size(); ++i) {
      for (size_t j = i; j > 0 && by_name(order[j], order[j - 1]); --j) {
        std::swap(order[j], order[j - 1]);
      }
    }
  } else {
    std::stable_sort(order, order + h.size(), by_name);
  }
  bool has_referer = false;
  bool wants_close = false;
  bool referer_written = referer.empty();
  auto write_referer = [&] {
    out += "Referer: ";
    out += referer;
    out += "\r\n";
    referer_written = true;
  };
  for (size_t i = 0; i < h.size(); ++i) {
    const auto& [name, value] = h[order[i]];
    if (name == "Host" || name == "User-Agent" || name == "Content-Length" ||
        name == "Transfer-Encoding" || name == "Trailer") {
      continue;
    }
    if (name == "Referer") has_referer = true;
    if (!referer_written && !has_referer && name > "Referer") write_referer();
    if (name == "Connection" && HasCloseToken(value)) wants_close = true;
    out += name;
    out += ": ";
    out += TrimString(value);
    out += "\r\n";
  }
  if (!referer_written && !has_referer) write_referer();
  if (!wants_close) out += "Connection: close\r\n";
  out += "\r\n";
}

base::Expected<HttpRequest> NewRequestForHTTPGetAction(const api::HTTPGetAction& action,
                                                       const api::Container& container,
                                                       std::string_view pod_ip,
                                                       std::string_view user_agent) {
  HttpRequest r;
  r.scheme = ToLower(action.scheme);
  if (r.scheme.empty()) r.scheme = "http";
  r.host = action.host.empty() ? std::string(pod_ip) : action.host;
  base::Expected<int> port = api::ResolveContainerPort(action.port, container);
  if (!port.ok()) return port.error();
  r.port = *port;
  if (base::Status s = SetTarget(r, action.path); !s.ok()) return s.error();
  r.headers.reserve(action.http_headers.size() + 2);
  for (const auto& header : action.http_headers) {
    r.headers.emplace_back(CanonicalHeaderKey(header.name), header.value);
  }
  ApplyHeaderDefaults(r.headers, user_agent);
  return r;
}

base::Expected<HttpRequest> ParseProbeUrl(std::string_view url,
                                          const std::vector<std::string>& headers,
                                          std::string_view user_agent) {
  const size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return base::Error{"invalid URL \"" + std::string(url) +
                       "\": missing scheme (http:// or https://)"};
  }
  HttpRequest r;
  r.scheme = ToLower(url.substr(0, sep));
  if (r.scheme != "http" && r.scheme != "https") {
    return base::Error{"invalid URL \"" + std::string(url) + "\": unsupported scheme \"" +
                       r.scheme + "\" (http or https)"};
  }
  std::string_view rest = url.substr(sep + 3);
  const size_t end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, end);
  const std::string_view path =
      end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (authority.find('@') != std::string_view::npos) {
    return base::Error{"invalid URL \"" + std::string(url) + "\": user info is not supported"};
  }
  std::string_view host;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return base::Error{"invalid URL \"" + std::string(url) + "\": missing ']' in host"};
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return base::Error{"invalid URL \"" + std::string(url) + "\": unexpected text after ']'"};
      }
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    if (port_text.find(':') != std::string_view::npos) {
      return base::Error{"invalid URL \"" + std::string(url) +
                         "\": IPv6 addresses must be in brackets, e.g. http://[::1]:8080/"};
    }
  }
  if (host.empty()) return base::Error{"invalid URL \"" + std::string(url) + "\": missing host"};
  r.host = std::string(host);
  if (port_text.empty()) {
    r.port = r.scheme == "https" ? 443 : 80;
  } else {
    int port = 0;
    auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || ptr != port_text.data() + port_text.size() || port <= 0 ||
        port > 65535) {
      return base::Error{"invalid URL \"" + std::string(url) + "\": invalid port \"" +
                         std::string(port_text) + "\""};
    }
    r.port = port;
  }
  if (base::Status s = SetTarget(r, path); !s.ok()) return s.error();
  for (const std::string& header : headers) {
    const size_t colon = header.find(':');
    if (colon == std::string::npos || colon == 0) {
      return base::Error{"invalid header \"" + header + "\": expected 'Name: value'"};
    }
    const std::string_view name = TrimString(std::string_view(header).substr(0, colon));
    const std::string_view value = TrimString(std::string_view(header).substr(colon + 1));
    if (!ValidHeaderFieldName(name)) {
      return base::Error{"invalid header \"" + header + "\": bad header name"};
    }
    r.headers.emplace_back(CanonicalHeaderKey(name), std::string(value));
  }
  ApplyHeaderDefaults(r.headers, user_agent);
  return r;
}

}  // namespace probelet::probe
