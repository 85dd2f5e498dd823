#include "base/host_port.h"

#include <string>

#include "gtest/gtest.h"

namespace probelet::base {
namespace {

// Expected strings are Go's net.JoinHostPort output (its own table, net/ipsock_test.go,
// plus the hosts probes use).
TEST(JoinHostPortTest, MatchesGo) {
  struct Case {
    std::string host;
    std::string port;
    std::string want;
  };
  const Case cases[] = {
      {"10.0.0.5", "80", "10.0.0.5:80"},
      {"localhost", "8080", "localhost:8080"},
      {"", "80", ":80"},
      {"::1", "80", "[::1]:80"},
      {"fd00::5", "8443", "[fd00::5]:8443"},
      {"fe80::1%eth0", "80", "[fe80::1%eth0]:80"},
      {"::ffff:10.0.0.5", "1", "[::ffff:10.0.0.5]:1"},
      {"[::1]", "80", "[[::1]]:80"},  // Go does not look for brackets already there
      {"host", "", "host:"},
      {"host", "http", "host:http"},  // a named port is written as given
  };
  for (const Case& c : cases) {
    EXPECT_EQ(JoinHostPort(c.host, c.port), c.want) << c.host << " " << c.port;
  }
}

TEST(JoinHostPortTest, IntegerPortIsWrittenInDecimal) {
  EXPECT_EQ(JoinHostPort("127.0.0.1", 0), "127.0.0.1:0");
  EXPECT_EQ(JoinHostPort("127.0.0.1", 65535), "127.0.0.1:65535");
  EXPECT_EQ(JoinHostPort("::1", 443), "[::1]:443");
  EXPECT_EQ(JoinHostPort("", -1), ":-1");
}

TEST(JoinHostPortTest, AppendHostPortAppends) {
  std::string out = "Host: ";
  AppendHostPort(out, "10.244.1.23", 8080);
  EXPECT_EQ(out, "Host: 10.244.1.23:8080");
  out.clear();
  AppendHostPort(out, "fd00::5", 2147483647);
  EXPECT_EQ(out, "[fd00::5]:2147483647");
}

}  // namespace
}  // namespace probelet::base
