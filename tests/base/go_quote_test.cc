#include "base/go_quote.h"

#include "gtest/gtest.h"

namespace probelet::base {
namespace {

// Expected strings are Go's strconv.Quote output.
TEST(GoQuoteTest, MatchesStrconvQuote) {
  EXPECT_EQ(GoQuote(""), "\"\"");
  EXPECT_EQ(GoQuote("/bin/sh -c sleep 10"), "\"/bin/sh -c sleep 10\"");
  EXPECT_EQ(GoQuote("say \"hi\" \\ there"), "\"say \\\"hi\\\" \\\\ there\"");
  EXPECT_EQ(GoQuote("a\nb\tc\r\a\b\f\v"), "\"a\\nb\\tc\\r\\a\\b\\f\\v\"");
  EXPECT_EQ(GoQuote(std::string("\x01\x7f", 2)), "\"\\x01\\x7f\"");
  EXPECT_EQ(GoQuote("caf\xc3\xa9 \xe2\x9c\x93"), "\"caf\xc3\xa9 \xe2\x9c\x93\"");
  EXPECT_EQ(GoQuote("\xff"), "\"\\xff\"");
  EXPECT_EQ(GoQuote("\xc2\x85"), "\"\\u0085\"");
  EXPECT_EQ(GoQuote("'single'"), "\"'single'\"");
}

}  // namespace
}  // namespace probelet::base
