// Go's error texts for the HTTP prober, the ones that need no socket to produce.
#include "probe/http_errors.h"

#include <gtest/gtest.h>

#include <string>

namespace probelet::probe {
namespace {

TEST(HttpErrorsTest, UrlErrorIsAFailureInGosUrlErrorForm) {
  const Outcome o = UrlError("http://10.0.0.5:8080/healthz", kTimeoutAwaitingHeaders);
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output,
            "Get \"http://10.0.0.5:8080/healthz\": context deadline exceeded (Client.Timeout "
            "exceeded while awaiting headers)");
  EXPECT_FALSE(o.error.has_value());
}

TEST(HttpErrorsTest, BodyErrorIsCouldNotProbe) {
  const Outcome o = BodyError(std::string(kTimeoutReadingBody));
  EXPECT_EQ(o.result, Result::kFailure);
  EXPECT_EQ(o.output, "");
  EXPECT_EQ(o.error,
            "context deadline exceeded (Client.Timeout or context cancellation while reading "
            "body)");
}

// net/http's ReadResponse texts, by which part of the status line is wrong.
TEST(HttpErrorsTest, MalformedStatusLineNamesTheBadPart) {
  struct Case {
    std::string received;
    std::string want;
  };
  const Case cases[] = {
      {"garbage\r\n", "malformed HTTP response \"garbage\""},
      {"garbage", "malformed HTTP response \"garbage\""},
      {"HTTP/1.1 abc OK\r\n", "malformed HTTP status code \"abc\""},
      {"HTTP/1.1 2000 OK\r\n", "malformed HTTP status code \"2000\""},
      {"HTTP/1.1  20 OK\r\n", "malformed HTTP status code \"20\""},
      {"HTTX/1.1 200 OK\r\nServer: x\r\n", "malformed HTTP version \"HTTX/1.1\""},
      {"HTTP/1.10 200 OK\n", "malformed HTTP version \"HTTP/1.10\""},
      {"HTTP/1.1 200 OK\r\n", "malformed HTTP response \"HTTP/1.1 200 OK\""},
  };
  for (const Case& c : cases) EXPECT_EQ(MalformedStatusLine(c.received), c.want) << c.received;
}

TEST(HttpErrorsTest, HeadersTooLargeNamesTheLimit) {
  EXPECT_EQ(HeadersTooLarge(65536),
            "net/http: server response headers exceeded 65536 bytes; aborted");
}

}  // namespace
}  // namespace probelet::probe
