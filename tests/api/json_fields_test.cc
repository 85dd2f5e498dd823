#include "api/json_fields.h"

#include <gtest/gtest.h>

namespace probelet::api::json_fields {
namespace {

using nlohmann::json;

TEST(JsonFieldsTest, StrReadsStringsAndPrintsOtherValuesAsJson) {
  json j = {{"s", "text"}, {"n", 8080}, {"z", nullptr}};
  EXPECT_EQ(Str(j, "s"), "text");
  EXPECT_EQ(Str(j, "n"), "8080");
  EXPECT_EQ(Str(j, "z"), "");
  EXPECT_EQ(Str(j, "missing"), "");
  EXPECT_EQ(Str(json::array(), "s"), "");
}

TEST(JsonFieldsTest, IntIsZeroForMissingOrNonNumbers) {
  json j = {{"n", 3}, {"s", "3"}};
  EXPECT_EQ(Int(j, "n"), 3);
  EXPECT_EQ(Int(j, "s"), 0);
  EXPECT_EQ(Int(j, "missing"), 0);
  EXPECT_EQ(Int(json("x"), "n"), 0);
}

TEST(JsonFieldsTest, FieldIsNullWhenAbsent) {
  json j = {{"o", {{"k", 1}}}};
  EXPECT_EQ(Field(j, "o")["k"], 1);
  EXPECT_TRUE(Field(j, "missing").is_null());
  EXPECT_TRUE(Field(json(1), "o").is_null());
}

TEST(JsonFieldsTest, IntOrStringAndStringListAsGoPrintsThem) {
  EXPECT_EQ(IntOrStringText(json(8080)), "8080");
  EXPECT_EQ(IntOrStringText(json("http")), "http");
  EXPECT_EQ(IntOrStringText(json(nullptr)), "");
  EXPECT_EQ(StringList(json::array({"cat", 1})), (std::vector<std::string>{"cat", "1"}));
  EXPECT_TRUE(StringList(json("x")).empty());
}

}  // namespace
}  // namespace probelet::api::json_fields
