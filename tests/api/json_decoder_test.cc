// JsonDecoder's walk on its own, without a Pod: the field path it keeps, the typed readers'
// errors, and how Object sorts unknown, unsupported and silent members. DecodePod's behaviour
// over the v1 types is in json_decode_test.cc.
#include "api/json_decoder.h"

#include <gtest/gtest.h>

namespace probelet::api {
namespace {

using nlohmann::json;

class JsonDecoderTest : public ::testing::Test {
 protected:
  std::vector<std::string> errors_, warnings_;
  JsonDecoder decoder_{errors_, warnings_};
};

TEST_F(JsonDecoderTest, PathOfNestedFieldsIndexesAndKeysIsRestoredAfterEach) {
  {
    auto a = decoder_.Field("spec");
    auto b = decoder_.Field("containers");
    auto c = decoder_.Index(2);
    decoder_.TypeError(json(1), "an object");
  }
  {
    auto a = decoder_.Field("metadata");
    auto b = decoder_.Field("labels");
    auto c = decoder_.Key("app");
    decoder_.TypeError(json(true), "a string");
  }
  EXPECT_EQ(errors_,
            (std::vector<std::string>{
                "spec.containers[2]: Invalid value: 1: expected an object, got a number",
                "metadata.labels[app]: Invalid value: true: expected a string, got a boolean "
                "(quote it to make it a string)"}));
}

TEST_F(JsonDecoderTest, IntegerRejectsFractionsAndValuesOutOfItsTypeRange) {
  int32_t i32 = 7;
  int64_t i64 = 7;
  decoder_.Integer(json(2.5), i32);
  decoder_.Integer(json(int64_t{1} << 31), i32);
  decoder_.Integer(json(uint64_t{1} << 63), i64);
  EXPECT_EQ(i32, 7);
  EXPECT_EQ(i64, 7);
  EXPECT_EQ(errors_, (std::vector<std::string>{
                         "Invalid value: 2.5: expected an integer, got a number",
                         "Invalid value: 2147483648: out of range for a 32-bit integer",
                         "Invalid value: 9223372036854775808: out of range"}));
  decoder_.Integer(json(-3.0), i32);
  decoder_.Integer(json(int64_t{1} << 40), i64);
  EXPECT_EQ(i32, -3);
  EXPECT_EQ(i64, int64_t{1} << 40);
  EXPECT_EQ(errors_.size(), 3u);
}

TEST_F(JsonDecoderTest, NullLeavesOptionalsUnsetAndValuesUntouched) {
  std::optional<int32_t> n;
  std::optional<std::string> s;
  std::string kept = "kept";
  decoder_.Integer(json(nullptr), n);
  decoder_.String(json(nullptr), s);
  decoder_.String(json(nullptr), kept);
  EXPECT_FALSE(n.has_value());
  EXPECT_FALSE(s.has_value());
  EXPECT_EQ(kept, "kept");
  EXPECT_TRUE(errors_.empty());
}

TEST_F(JsonDecoderTest, ObjectWarnsOfUnknownAndSetUnsupportedMembersNotOfSilentOrEmptyOnes) {
  json j = {{"known", 1},
            {"typo", 1},
            {"bookkeeping", "x"},
            {"unsupported", "y"},
            {"emptyUnsup", json::object()}};
  std::vector<std::string> seen;
  decoder_.Object(j, {"bookkeeping"}, {"unsupported", "emptyUnsup"},
                  [&](std::string_view k, const json&) {
                    seen.emplace_back(k);
                    return k == "known";
                  });
  EXPECT_EQ(seen.size(), 5u);
  EXPECT_TRUE(errors_.empty());
  EXPECT_EQ(warnings_, (std::vector<std::string>{
                           "unknown field \"typo\"",
                           "field \"unsupported\" is not supported by probelet and is ignored"}));
}

TEST_F(JsonDecoderTest, LongStringValuesAreCutInMessages) {
  int32_t n = 0;
  decoder_.Integer(json(std::string(100, 'a')), n);
  ASSERT_EQ(errors_.size(), 1u);
  EXPECT_EQ(errors_[0], "Invalid value: \"" + std::string(64, 'a') +
                            "\"...: expected an integer, got a string");
}

}  // namespace
}  // namespace probelet::api
