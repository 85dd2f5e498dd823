// $(VAR) expansion (probe-semantics.md §5.2.1, T22).
#include "api/expansion.h"

#include <gtest/gtest.h>

#include <map>

namespace probelet::api {
namespace {

std::string ExpandWith(std::string_view input, const std::map<std::string, std::string>& vars) {
  return Expand(input, [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ExpansionTest, T22ExecCommandExpandsKnownAndKeepsUnknown) {
  std::vector<EnvVar> env = {{"A", "script", std::nullopt}};
  EXPECT_EQ(ExpandContainerCommandOnlyStatic({"/bin/bash", "-c", "some $(A) $(B)"}, env),
            (std::vector<std::string>{"/bin/bash", "-c", "some script $(B)"}));
}

TEST(ExpansionTest, RulesOfSection5212) {
  std::map<std::string, std::string> vars = {
      {"A", "va"}, {"a(b", "x"}, {"A$(B", "y"}, {"", "empty"}};
  struct Case {
    std::string in, want;
  } cases[] = {
      {"$(A)", "va"},
      {"$$(A)", "$(A)"},  // $$ escapes
      {"$$$(A)", "$va"},
      {"$$$$(A)", "$$(A)"},
      {"$(a(b))", "x)"},  // the name runs to the first ')'
      {"$(A$(B)", "y"},
      {"$()", "empty"},          // the empty name is looked up
      {"$(NOPE)", "$(NOPE)"},    // unresolved: copied as written
      {"$(A", "$(A"},            // no ')': copied, scanning goes on
      {"$(A $(A)", "$(A $(A)"},  // the name is "A $(A": unresolved
      {"$x", "$x"},              // '$' then another character
      {"a$", "a$"},              // '$' at the end
      {"", ""},
      {"no refs", "no refs"},
      {"$\xff", "$\xEF\xBF\xBD"},  // invalid UTF-8 after '$' becomes U+FFFD
      {"\xff$(A)", "\xffva"},      // invalid bytes elsewhere are copied
      {"$\xC3\xA9", "$\xC3\xA9"},  // a valid rune after '$' is kept
  };
  for (const auto& c : cases) EXPECT_EQ(ExpandWith(c.in, vars), c.want) << c.in;
}

TEST(ExpansionTest, OnlyStaticMapUsesLiteralValuesLaterWinsValueFromIsEmpty) {
  std::vector<EnvVar> env = {
      {"A", "first", std::nullopt},
      {"A", "second", std::nullopt},  // later entry wins
      {"P", "", EnvVarSource{ObjectFieldSelector{"v1", "metadata.name"}}},
      {"E", "", std::nullopt},
      {"R", "$(A)", std::nullopt},  // values are not expanded again
  };
  EXPECT_EQ(ExpandContainerCommandOnlyStatic({"$(A)", "[$(P)]", "[$(E)]", "$(R)"}, env),
            (std::vector<std::string>{"second", "[]", "[]", "$(A)"}));
}

}  // namespace
}  // namespace probelet::api
