// ResolveContainerPort (probe-semantics.md §5.1.2, T46).
#include "api/port_resolution.h"

#include <gtest/gtest.h>

namespace probelet::api {
namespace {

Container WithPorts(std::vector<ContainerPort> ports) {
  Container c;
  c.name = "c";
  c.ports = std::move(ports);
  return c;
}

TEST(PortResolutionTest, T46Table) {
  Container foo_bar = WithPorts({{"foo", 8080, "TCP"}, {"bar", 9000, "TCP"}});
  Container bar_only = WithPorts({{"bar", 9000, "TCP"}});

  auto int_port = ResolveContainerPort(IntOrString::Int(443), foo_bar);
  ASSERT_TRUE(int_port.ok());
  EXPECT_EQ(*int_port, 443);

  auto too_big = ResolveContainerPort(IntOrString::Int(66666), foo_bar);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().message, "invalid port number: 66666");

  auto named = ResolveContainerPort(IntOrString::String("foo"), foo_bar);
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(*named, 8080);

  auto missing = ResolveContainerPort(IntOrString::String("foo"), bar_only);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "strconv.Atoi: parsing \"foo\": invalid syntax");

  auto http = ResolveContainerPort(IntOrString::String("http"), WithPorts({}));
  ASSERT_FALSE(http.ok());
  EXPECT_EQ(http.error().message, "strconv.Atoi: parsing \"http\": invalid syntax");
}

TEST(PortResolutionTest, FirstMatchingNameWins) {
  auto p = ResolveContainerPort(IntOrString::String("x"),
                                WithPorts({{"x", 1000, "TCP"}, {"x", 2000, "TCP"}}));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, 1000);
}

TEST(PortResolutionTest, NumericStringIsTheLastDitchEffort) {
  Container c = WithPorts({});
  struct Case {
    std::string in;
    bool ok;
    std::string want;  // the port, or the error
  } cases[] = {
      {"8080", true, "8080"},
      {"+80", true, "80"},  // strconv.Atoi accepts a sign
      {"0", false, "invalid port number: 0"},
      {"-1", false, "invalid port number: -1"},
      {"65536", false, "invalid port number: 65536"},
      {"", false, "strconv.Atoi: parsing \"\": invalid syntax"},
      {"80a", false, "strconv.Atoi: parsing \"80a\": invalid syntax"},
      {"99999999999999999999", false,
       "strconv.Atoi: parsing \"99999999999999999999\": value out of range"},
  };
  for (const auto& k : cases) {
    auto r = ResolveContainerPort(IntOrString::String(k.in), c);
    ASSERT_EQ(r.ok(), k.ok) << k.in;
    EXPECT_EQ(r.ok() ? std::to_string(*r) : r.error().message, k.want) << k.in;
  }
}

TEST(PortResolutionTest, NamedPortWithOutOfRangeNumberIsInvalid) {
  auto r = ResolveContainerPort(IntOrString::String("big"), WithPorts({{"big", 70000, "TCP"}}));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "invalid port number: 70000");
}

}  // namespace
}  // namespace probelet::api
