#include "probe/http_request.h"

#include <gtest/gtest.h>

namespace probelet::probe {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

api::HTTPGetAction Action(std::string path, int port = 8080) {
  api::HTTPGetAction a;
  a.path = std::move(path);
  a.port = api::IntOrString::Int(port);
  return a;
}

HttpRequest Build(const api::HTTPGetAction& action, std::string_view pod_ip = "10.0.0.5") {
  auto r = NewRequestForHTTPGetAction(action, api::Container{}, pod_ip);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : HttpRequest{};
}

// T41 TestFormatURL: the four rows of §5.3.1.4.
TEST(HttpRequestTest, T41FormatURL) {
  EXPECT_EQ(FormatURL("http", "localhost", 93, ""), "http://localhost:93");
  EXPECT_EQ(FormatURL("https", "localhost", 93, "/path"), "https://localhost:93/path");
  EXPECT_EQ(FormatURL("http", "localhost", 93, "?foo"), "http://localhost:93?foo");
  EXPECT_EQ(FormatURL("https", "localhost", 93, "/path?bar"), "https://localhost:93/path?bar");
}

TEST(HttpRequestTest, FormatURLBracketsIPv6) {
  EXPECT_EQ(FormatURL("http", "::1", 80, "/x"), "http://[::1]:80/x");
}

// T42 Test_v1HeaderToHTTPHeader / TestHeaderConversion.
TEST(HttpRequestTest, T42HeaderNamesAreCanonicalised) {
  EXPECT_EQ(CanonicalHeaderKey("HOST"), "Host");
  EXPECT_EQ(CanonicalHeaderKey("FOO-bAR"), "Foo-Bar");
  EXPECT_EQ(CanonicalHeaderKey("accept"), "Accept");
  EXPECT_EQ(CanonicalHeaderKey("x-muffins-or-cupcakes"), "X-Muffins-Or-Cupcakes");
  // Not a token: left as it is (Go returns it unchanged).
  EXPECT_EQ(CanonicalHeaderKey("foo bar"), "foo bar");
}

TEST(HttpRequestTest, T42AcceptGivenInLowerCaseIsKept) {
  auto action = Action("/");
  action.http_headers = {{"accept", "application/json"}};
  const HttpRequest r = Build(action);
  EXPECT_EQ(r.headers, (Headers{{"Accept", "application/json"},
                                {"User-Agent", std::string(kDefaultUserAgent)}}));
}

TEST(HttpRequestTest, T42RepeatedNamesKeepTheirOrder) {
  auto action = Action("/");
  action.http_headers = {{"accept", "application/json"}, {"Accept", "*/*"}};
  const HttpRequest r = Build(action);
  EXPECT_EQ(r.headers, (Headers{{"Accept", "application/json"},
                                {"Accept", "*/*"},
                                {"User-Agent", std::string(kDefaultUserAgent)}}));
}

TEST(HttpRequestTest, T42NoHeadersGiveOnlyTheDefaults) {
  const HttpRequest r = Build(Action("/"));
  EXPECT_EQ(r.headers,
            (Headers{{"User-Agent", std::string(kDefaultUserAgent)}, {"Accept", "*/*"}}));
}

// §5.3.1.6: a given User-Agent is kept; an empty one is kept empty, so none is sent.
TEST(HttpRequestTest, GivenUserAgentIsKeptAndEmptyOneSendsNone) {
  auto action = Action("/");
  action.http_headers = {{"user-agent", "foo/1.0"}};
  EXPECT_EQ(Build(action).headers, (Headers{{"User-Agent", "foo/1.0"}, {"Accept", "*/*"}}));

  action.http_headers = {{"User-Agent", ""}};
  const HttpRequest r = Build(action);
  std::string head;
  AppendRequestHead(r, head);
  EXPECT_EQ(head,
            "GET / HTTP/1.1\r\nHost: 10.0.0.5:8080\r\nAccept: */*\r\nConnection: close\r\n\r\n");
}

// §5.3.1.7: Accept with an empty first value is removed.
TEST(HttpRequestTest, EmptyAcceptRemovesTheHeader) {
  auto action = Action("/");
  action.http_headers = {{"Accept", ""}, {"Accept", "text/plain"}};
  const HttpRequest r = Build(action);
  EXPECT_EQ(r.headers, (Headers{{"User-Agent", std::string(kDefaultUserAgent)}}));
}

// §5.3.2.9.1: the exact bytes with no user headers.
TEST(HttpRequestTest, WireBytesWithoutUserHeaders) {
  const HttpRequest r = Build(Action("/healthz"));
  std::string head;
  AppendRequestHead(r, head);
  EXPECT_EQ(head,
            "GET /healthz HTTP/1.1\r\n"
            "Host: 10.0.0.5:8080\r\n"
            "User-Agent: kube-probe/1.35\r\n"
            "Accept: */*\r\n"
            "Connection: close\r\n"
            "\r\n");
  EXPECT_EQ(r.url, "http://10.0.0.5:8080/healthz");
}

// §5.3.2.9.2: Host override, other headers sorted by name, values in order and trimmed.
TEST(HttpRequestTest, WireBytesSortHeadersAndUseHostOverride) {
  auto action = Action("/", 80);
  action.http_headers = {{"x-custom", "  b  "},
                         {"Authorization", "Bearer t"},
                         {"HOST", "muffins.cupcakes.org"},
                         {"X-Custom", "a"},
                         {"accept", "application/json"}};
  const HttpRequest r = Build(action);
  std::string head;
  AppendRequestHead(r, head);
  EXPECT_EQ(head,
            "GET / HTTP/1.1\r\n"
            "Host: muffins.cupcakes.org\r\n"
            "User-Agent: kube-probe/1.35\r\n"
            "Accept: application/json\r\n"
            "Authorization: Bearer t\r\n"
            "X-Custom: b\r\n"
            "X-Custom: a\r\n"
            "Connection: close\r\n"
            "\r\n");
}

// Up to 16 headers are sorted in a buffer on the stack, more with std::stable_sort: both
// keep the values of one name in their order.
TEST(HttpRequestTest, ManyHeadersAreSortedStably) {
  for (int n : {3, 16, 17, 40}) {
    auto action = Action("/", 80);
    std::string want_b, want_a;
    for (int i = 0; i < n; ++i) {
      const std::string name = i % 2 ? "X-A" : "X-B";
      action.http_headers.push_back({name, std::to_string(i)});
      (i % 2 ? want_a : want_b) += name + ": " + std::to_string(i) + "\r\n";
    }
    std::string head;
    AppendRequestHead(Build(action), head);
    EXPECT_NE(head.find("Accept: */*\r\n" + want_a + want_b + "Connection: close\r\n"),
              std::string::npos)
        << n << " headers:\n"
        << head;
  }
}

TEST(HttpRequestTest, EmptyHostHeaderFallsBackToUrlHost) {
  auto action = Action("/", 443);
  action.http_headers = {{"Host", ""}};
  EXPECT_EQ(HostHeaderValue(Build(action)), "10.0.0.5:443");
}

TEST(HttpRequestTest, RefererIsPlacedInSortedOrderAndConnectionCloseNotRepeated) {
  auto action = Action("/");
  action.http_headers = {{"X-A", "1"}, {"Connection", "close"}};
  const HttpRequest r = Build(action);
  std::string head;
  AppendRequestHead(r, head, "http://10.0.0.5:8080/old");
  EXPECT_EQ(head,
            "GET / HTTP/1.1\r\n"
            "Host: 10.0.0.5:8080\r\n"
            "User-Agent: kube-probe/1.35\r\n"
            "Accept: */*\r\n"
            "Connection: close\r\n"
            "Referer: http://10.0.0.5:8080/old\r\n"
            "X-A: 1\r\n"
            "\r\n");
}

// §5.3.2.9.3: the request-URI after the kubelet's print-and-reparse.
TEST(HttpRequestTest, RequestURIRules) {
  EXPECT_EQ(RequestURIForPath(""), "/");
  EXPECT_EQ(RequestURIForPath("/"), "/");
  EXPECT_EQ(RequestURIForPath("?foo"), "/?foo");
  EXPECT_EQ(RequestURIForPath("foo"), "/foo");
  EXPECT_EQ(RequestURIForPath("/path?bar"), "/path?bar");
  EXPECT_EQ(RequestURIForPath("/a b"), "/a%20b");
  EXPECT_EQ(RequestURIForPath("/caf\xc3\xa9"), "/caf%C3%A9");
  EXPECT_EQ(RequestURIForPath("/%zz"), "/%25zz");
  EXPECT_EQ(RequestURIForPath("/a%2Fb"), "/a%2Fb");  // valid escapes are kept as written
  EXPECT_EQ(RequestURIForPath("/a(b)"), "/a(b)");
  EXPECT_EQ(RequestURIForPath("/x?"), "/x?");
  EXPECT_EQ(RequestURIForPath("/x#frag"), "/x");
  EXPECT_EQ(RequestURIForPath("//other/x"), "/x");  // an authority in the path is replaced
  EXPECT_EQ(RequestURIForPath("1a:b"), "/1a:b");    // unparsable: kept whole, escaped
}

TEST(HttpRequestTest, UrlForErrorsFollowsGoPrinting) {
  EXPECT_EQ(Build(Action("")).url, "http://10.0.0.5:8080");
  EXPECT_EQ(Build(Action("?foo")).url, "http://10.0.0.5:8080?foo");
  EXPECT_EQ(Build(Action("foo")).url, "http://10.0.0.5:8080/foo");
  EXPECT_EQ(Build(Action("/a b")).url, "http://10.0.0.5:8080/a%20b");
}

TEST(HttpRequestTest, SchemeIsLowerCasedAndDefaulted) {
  auto action = Action("/");
  action.scheme = "HTTPS";
  EXPECT_EQ(Build(action).scheme, "https");
  action.scheme = "";
  EXPECT_EQ(Build(action).scheme, "http");
}

TEST(HttpRequestTest, HostComesFromActionElsePodIP) {
  auto action = Action("/");
  EXPECT_EQ(Build(action, "fd00::5").host, "fd00::5");
  EXPECT_EQ(Build(action, "fd00::5").url, "http://[fd00::5]:8080/");
  action.host = "example.test";
  EXPECT_EQ(Build(action).host, "example.test");
}

TEST(HttpRequestTest, NamedPortIsResolvedAndBadPortIsAnError) {
  api::Container c;
  c.ports = {{"http", 9090, "TCP"}};
  auto action = Action("/");
  action.port = api::IntOrString::String("http");
  auto r = NewRequestForHTTPGetAction(action, c, "10.0.0.5");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->port, 9090);
  action.port = api::IntOrString::String("nope");
  auto bad = NewRequestForHTTPGetAction(action, c, "10.0.0.5");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "strconv.Atoi: parsing \"nope\": invalid syntax");
}

TEST(HttpRequestTest, HeaderValidity) {
  EXPECT_TRUE(ValidHeaderFieldName("X-Foo"));
  EXPECT_FALSE(ValidHeaderFieldName("X Foo"));
  EXPECT_FALSE(ValidHeaderFieldName(""));
  EXPECT_TRUE(ValidHeaderFieldValue("a\tb"));
  EXPECT_FALSE(ValidHeaderFieldValue("a\r\nb"));
}

TEST(ParseProbeUrlTest, ParsesHostPortPathAndHeaders) {
  auto r =
      ParseProbeUrl("http://127.0.0.1:8080/healthz?x=1", {"X-Token: abc", "accept:text/plain"});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->scheme, "http");
  EXPECT_EQ(r->host, "127.0.0.1");
  EXPECT_EQ(r->port, 8080);
  EXPECT_EQ(r->path_and_query, "/healthz?x=1");
  EXPECT_EQ(r->url, "http://127.0.0.1:8080/healthz?x=1");
  EXPECT_EQ(r->headers, (Headers{{"X-Token", "abc"},
                                 {"Accept", "text/plain"},
                                 {"User-Agent", std::string(kDefaultUserAgent)}}));
}

TEST(ParseProbeUrlTest, DefaultsPortsAndBracketsIPv6) {
  auto https = ParseProbeUrl("HTTPS://example.test", {});
  ASSERT_TRUE(https.ok());
  EXPECT_EQ(https->scheme, "https");
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->path_and_query, "/");
  auto v6 = ParseProbeUrl("http://[::1]:9000/x", {});
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(HostHeaderValue(*v6), "[::1]:9000");
  auto v6_default = ParseProbeUrl("http://[fd00::1]/", {});
  ASSERT_TRUE(v6_default.ok());
  EXPECT_EQ(v6_default->port, 80);
}

TEST(ParseProbeUrlTest, RejectsBadInput) {
  for (const char* bad :
       {"127.0.0.1:80/x", "ftp://h/", "http://:80/", "http://h:0/", "http://h:99999/",
        "http://h:abc/", "http://::1/", "http://[::1/", "http://u@h/"}) {
    EXPECT_FALSE(ParseProbeUrl(bad, {}).ok()) << bad;
  }
  EXPECT_FALSE(ParseProbeUrl("http://h/", {"NoColon"}).ok());
  EXPECT_FALSE(ParseProbeUrl("http://h/", {"Bad Name: v"}).ok());
}

}  // namespace
}  // namespace probelet::probe
