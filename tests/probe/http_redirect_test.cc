// Redirect resolution and the next hop's request (§5.3.3), without a server: Go's URL.Parse of a
// Location against the request URL (RFC 3986 §5.4's examples, as Go's url_test.go resolves
// them), and what Go's client.do carries over to the next request.
#include "probe/http_redirect.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "probe/http_request.h"

namespace probelet::probe {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

HttpRequest Base() {
  HttpRequest r;
  r.scheme = "http";
  r.host = "a";
  r.port = 80;
  r.path_and_query = "/b/c/d;p?q";
  return r;
}

TEST(HttpRedirectTest, IsRedirectStatusIsGosFollowedCodes) {
  for (int status = 100; status < 600; ++status) {
    const bool want =
        status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    EXPECT_EQ(IsRedirectStatus(status), want) << status;
  }
}

TEST(HttpRedirectTest, RelativeLocationsResolveAsRfc3986) {
  struct Case {
    std::string location;
    std::string path;
  };
  const Case cases[] = {
      {"g", "/b/c/g"},      {"./g", "/b/c/g"},     {"g/", "/b/c/g/"},    {"/g", "/g"},
      {"?y", "/b/c/d;p?y"}, {"g?y", "/b/c/g?y"},   {"#s", "/b/c/d;p?q"}, {"g#s", "/b/c/g"},
      {";x", "/b/c/;x"},    {"", "/b/c/d;p?q"},    {".", "/b/c/"},       {"./", "/b/c/"},
      {"..", "/b/"},        {"../", "/b/"},        {"../g", "/b/g"},     {"../..", "/"},
      {"../../", "/"},      {"../../g", "/g"},     {"../../../g", "/g"}, {"/./g", "/g"},
      {"/../g", "/g"},      {"g.", "/b/c/g."},     {"g..", "/b/c/g.."},  {"./../g", "/b/g"},
      {"./g/.", "/b/c/g/"}, {"g/./h", "/b/c/g/h"}, {"g/../h", "/b/c/h"},
  };
  for (const Case& c : cases) {
    const std::optional<RedirectTarget> t = ResolveLocation(Base(), "a", c.location);
    ASSERT_TRUE(t) << c.location;
    EXPECT_EQ(t->path, c.path) << c.location;
    EXPECT_EQ(t->scheme, "http") << c.location;
    EXPECT_EQ(t->host, "a") << c.location;
    EXPECT_EQ(t->port, 80) << c.location;
    EXPECT_EQ(t->authority, "a") << c.location;
    EXPECT_FALSE(t->absolute) << c.location;
  }
}

TEST(HttpRedirectTest, LocationsWithAnAuthority) {
  struct Case {
    std::string location;
    std::string scheme, host;
    int port;
    std::string authority, path;
    bool absolute;
  };
  const Case cases[] = {
      {"//g", "http", "g", 80, "g", "", false},
      {"//g:81/x/../y?z", "http", "g", 81, "g:81", "/y?z", false},
      {"http://other:8080/x", "http", "other", 8080, "other:8080", "/x", true},
      {"HTTPS://h/x", "https", "h", 443, "h", "/x", true},
      {"https://[::1]/x", "https", "::1", 443, "[::1]", "/x", true},
      {"http://[fd00::5]:8080", "http", "fd00::5", 8080, "[fd00::5]:8080", "", true},
      {"http://user:pw@h/x", "http", "h", 80, "h", "/x", true},
  };
  for (const Case& c : cases) {
    const std::optional<RedirectTarget> t = ResolveLocation(Base(), "a", c.location);
    ASSERT_TRUE(t) << c.location;
    EXPECT_EQ(t->scheme, c.scheme) << c.location;
    EXPECT_EQ(t->host, c.host) << c.location;
    EXPECT_EQ(t->port, c.port) << c.location;
    EXPECT_EQ(t->authority, c.authority) << c.location;
    EXPECT_EQ(t->path, c.path) << c.location;
    EXPECT_EQ(t->absolute, c.absolute) << c.location;
  }
}

TEST(HttpRedirectTest, LocationsGoCannotFollowAreRefused) {
  for (const char* loc : {"//h:99999/", "//h:8x/", "http://[::1/x", "http://[::1]x/", "mailto:x"}) {
    EXPECT_FALSE(ResolveLocation(Base(), "a", loc)) << loc;
  }
}

HttpRequest First(Headers headers) {
  HttpRequest r = Base();
  r.host = "a.example";
  r.headers = std::move(headers);
  return r;
}

RedirectTarget Target(std::string host, bool absolute) {
  RedirectTarget t;
  t.scheme = "http";
  t.host = host;
  t.port = 8080;
  t.authority = host + ":8080";
  t.path = "/next path";
  t.absolute = absolute;
  return t;
}

TEST(HttpRedirectTest, NextRequestHasTheTargetsUrlAndAuthorityAsHost) {
  const HttpRequest next =
      RedirectRequest(First({{"User-Agent", "kube-probe/1.35"}}), Target("a.example", true));
  EXPECT_EQ(next.scheme, "http");
  EXPECT_EQ(next.host, "a.example");
  EXPECT_EQ(next.port, 8080);
  EXPECT_EQ(next.path_and_query, "/next%20path");
  EXPECT_EQ(next.url, "http://a.example:8080/next%20path");
  EXPECT_EQ(next.headers, (Headers{{"Host", "a.example:8080"}, {"User-Agent", "kube-probe/1.35"}}));
}

// T39: the Host override survives a relative Location only (Go issue 22233).
TEST(HttpRedirectTest, HostOverrideSurvivesOnlyARelativeLocation) {
  const HttpRequest first = First({{"Host", "www.success.com"}, {"Accept", "*/*"}});
  EXPECT_EQ(RedirectRequest(first, Target("a.example", false)).headers,
            (Headers{{"Host", "www.success.com"}, {"Accept", "*/*"}}));
  EXPECT_EQ(RedirectRequest(first, Target("a.example", true)).headers,
            (Headers{{"Host", "a.example:8080"}, {"Accept", "*/*"}}));
}

TEST(HttpRedirectTest, CredentialsGoOnlyToTheSameDomainOrASubdomain) {
  const HttpRequest first = First({{"Authorization", "Bearer x"},
                                   {"Cookie", "c"},
                                   {"Cookie2", "c2"},
                                   {"Www-Authenticate", "w"},
                                   {"X-Custom", "kept"}});
  const Headers all = {{"Host", ""},      {"Authorization", "Bearer x"}, {"Cookie", "c"},
                       {"Cookie2", "c2"}, {"Www-Authenticate", "w"},     {"X-Custom", "kept"}};
  for (const std::string host : {"a.example", "sub.a.example"}) {
    Headers want = all;
    want[0].second = host + ":8080";
    EXPECT_EQ(RedirectRequest(first, Target(host, true)).headers, want) << host;
  }
  for (const std::string host : {"b.example", "xa.example", "example"}) {
    EXPECT_EQ(RedirectRequest(first, Target(host, true)).headers,
              (Headers{{"Host", host + ":8080"}, {"X-Custom", "kept"}}))
        << host;
  }
}

TEST(HttpRedirectTest, RefererIsThePreviousUrlExceptFromHttpsToHttp) {
  HttpRequest current = Base();
  current.url = "http://a/b/c/d;p?q";
  RedirectTarget to_http = Target("a", false);
  EXPECT_EQ(RedirectReferer(current, to_http), "http://a/b/c/d;p?q");
  current.scheme = "https";
  current.url = "https://a/b/c/d;p?q";
  EXPECT_EQ(RedirectReferer(current, to_http), "");
  RedirectTarget to_https = to_http;
  to_https.scheme = "https";
  EXPECT_EQ(RedirectReferer(current, to_https), "https://a/b/c/d;p?q");
}

}  // namespace
}  // namespace probelet::probe
