// ParseManifest: YAML and JSON text to documents, scalar resolution as kubectl's YAML, and the
// limits that keep hostile input bounded.
#include "api/manifest_parser.h"

#include <gtest/gtest.h>
#include <time.h>

#include <chrono>

namespace probelet::api {
namespace {

using nlohmann::json;

json ParseOne(std::string_view yaml) {
  auto parsed = ParseManifest(yaml, ManifestFormat::kYaml);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  if (!parsed.ok() || parsed->documents.size() != 1) return json();
  return parsed->documents[0].value;
}

std::chrono::nanoseconds ThreadCpuTime() {
  timespec ts{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

std::string ParseError(std::string_view text, ManifestFormat format = ManifestFormat::kYaml,
                       const ParseLimits& limits = {}) {
  auto parsed = ParseManifest(text, format, limits);
  return parsed.ok() ? "(no error)" : parsed.error().message;
}

TEST(ManifestParserTest, PlainScalarsResolveLikeKubectlYaml) {
  json j = ParseOne(R"(
int: 8080
quoted: "8080"
single: '8080'
hex: 0x1F
octal: 0755
negative: -3
float: 1.5
whole_float: 2.0
yes_bool: yes
on_bool: on
true_bool: true
no_bool: no
tilde: ~
empty:
null_word: null
text: hello world
version: 1.2.3
block: |
  line
tagged: !!str 42
)");
  EXPECT_EQ(j["int"], 8080);
  EXPECT_EQ(j["quoted"], "8080");
  EXPECT_EQ(j["single"], "8080");
  EXPECT_EQ(j["hex"], 31);
  EXPECT_EQ(j["octal"], 493);
  EXPECT_EQ(j["negative"], -3);
  EXPECT_EQ(j["float"], 1.5);
  EXPECT_TRUE(j["whole_float"].is_number_float());
  EXPECT_EQ(j["yes_bool"], true);
  EXPECT_EQ(j["on_bool"], true);
  EXPECT_EQ(j["true_bool"], true);
  EXPECT_EQ(j["no_bool"], false);
  EXPECT_TRUE(j["tilde"].is_null());
  EXPECT_TRUE(j["empty"].is_null());
  EXPECT_TRUE(j["null_word"].is_null());
  EXPECT_EQ(j["text"], "hello world");
  EXPECT_EQ(j["version"], "1.2.3");
  EXPECT_EQ(j["block"], "line\n");
  EXPECT_EQ(j["tagged"], "42");
}

TEST(ManifestParserTest, MultipleDocumentsSkipEmptyOnesAndKeepTheirLines) {
  auto parsed =
      ParseManifest("a: 1\n---\n---\n# only a comment\n---\nb: 2\n", ManifestFormat::kYaml);
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->documents.size(), 2u);
  EXPECT_EQ(parsed->documents[0].value, json({{"a", 1}}));
  EXPECT_EQ(parsed->documents[1].value, json({{"b", 2}}));
  EXPECT_EQ(parsed->documents[0].line, 1);
  EXPECT_EQ(parsed->documents[1].line, 5);  // its `---`
}

TEST(ManifestParserTest, AnchorsAliasesAndMergeKeys) {
  json j = ParseOne(R"(
base: &base {period: 3, exec: x}
copy: *base
merged:
  <<: *base
  period: 7
list_merge:
  <<: [{a: 1}, {a: 2, b: 2}]
)");
  EXPECT_EQ(j["copy"], j["base"]);
  EXPECT_EQ(j["merged"], json({{"period", 7}, {"exec", "x"}}));  // explicit keys win
  EXPECT_EQ(j["list_merge"], json({{"a", 1}, {"b", 2}}));        // earlier maps win
}

TEST(ManifestParserTest, DuplicateKeyIsAWarningWithItsLineAndTheLastValueWins) {
  auto parsed = ParseManifest("a: 1\nb: 2\na: 3\n", ManifestFormat::kYaml);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->documents[0].value["a"], 3);
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_EQ(parsed->warnings[0], "line 3, column 4: duplicate key \"a\": the last value is used");
}

TEST(ManifestParserTest, SyntaxErrorNamesLineAndColumn) {
  EXPECT_EQ(ParseError("a: [1, 2\nb: 3\n"), "line 2, column 2: end of sequence flow not found");
  EXPECT_EQ(ParseError("a: *nope\n"), "line 1, column 4: the referenced anchor is not defined");
}

TEST(ManifestParserTest, ComplexAndNullKeysAreRefused) {
  EXPECT_EQ(ParseError("? [a, b]\n: 1\n"),
            "line 1, column 3: a mapping or list as a mapping key is not supported");
  EXPECT_EQ(ParseError("~: 1\n"), "line 1, column 1: a null mapping key is not supported");
}

TEST(ManifestParserTest, FileSizeLimit) {
  ParseLimits limits;
  limits.max_bytes = 16;
  EXPECT_EQ(ParseError("a: 0123456789abcdef\n", ManifestFormat::kYaml, limits),
            "too large (20 bytes; the limit is 16)");
}

TEST(ManifestParserTest, NestingDepthLimitForYamlAndJson) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_EQ(ParseError(deep), "line 1, column 65: nested too deeply (more than 64 levels)");
  EXPECT_EQ(ParseError(deep, ManifestFormat::kJson), "nested too deeply (more than 64 levels)");
  // Far deeper than yaml-cpp's own guard: refused without exhausting the stack.
  std::string very_deep(100000, '[');
  EXPECT_NE(ParseError(very_deep), "(no error)");
  EXPECT_EQ(ParseError(very_deep, ManifestFormat::kJson),
            "nested too deeply (more than 64 levels)");
}

TEST(ManifestParserTest, AliasBombIsStoppedByTheNodeBudget) {
  // Each level holds ten aliases of the one below: 10^9 values once expanded.
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    std::string prev = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) bomb += prev + (k < 9 ? ", " : "");
    bomb += "]\n";
  }
  // CPU time of this thread, not wall time: the bound must tell "stopped near 10^6 values"
  // (under a second, ASan included) from "expanded 10^9" (minutes) however loaded the machine
  // is; its wall time in a parallel ASan run stretched past 10 s.
  const auto start = ThreadCpuTime();
  std::string error = ParseError(bomb);
  const auto cpu = ThreadCpuTime() - start;
  EXPECT_NE(error.find("too many values (more than 1000000 after expanding aliases)"),
            std::string::npos)
      << error;
  EXPECT_LT(cpu, std::chrono::seconds(10))
      << std::chrono::duration_cast<std::chrono::milliseconds>(cpu).count() << " ms of CPU";
}

TEST(ManifestParserTest, LongStringAliasedManyTimesIsStoppedByTheByteBudget) {
  ParseLimits limits;
  limits.max_bytes_expanded = 1 << 20;
  std::string text = "s: &s " + std::string(100000, 'x') + "\nl: [";
  for (int i = 0; i < 20; ++i) text += "*s, ";
  text += "*s]\n";
  EXPECT_NE(ParseError(text, ManifestFormat::kYaml, limits).find("too much text"),
            std::string::npos);
}

TEST(ManifestParserTest, ObjectCountLimit) {
  ParseLimits limits;
  limits.max_objects = 3;
  EXPECT_EQ(ParseError("a: 1\n---\na: 2\n---\na: 3\n---\na: 4\n", ManifestFormat::kYaml, limits),
            "too many documents (more than 3)");
}

// Found by the fuzzer: yaml-cpp 0.7 emits events without end after a flow map followed by a
// comma; the parser must stop instead of hanging.
TEST(ManifestParserTest, YamlCppEventLoopOnMalformedFlowMapStops) {
  EXPECT_EQ(ParseError("{\n  \"a\": \"b\"},\n  x: 1\n"),
            "line 2, column 12: the YAML parser stopped making progress here (malformed flow "
            "collection?)");
}

TEST(ManifestParserTest, JsonDuplicateKeyIsAWarning) {
  auto parsed =
      ParseManifest(R"({"a": {"p": 1, "q": 2, "p": 3}, "b": {"p": 4}})", ManifestFormat::kJson);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->documents.at(0).value["a"]["p"], 3);
  EXPECT_EQ(parsed->warnings, std::vector<std::string>{
                                  "duplicate key \"p\" in a JSON object: the last value is used"});
}

TEST(ManifestParserTest, JsonDocument) {
  auto parsed = ParseManifest(R"({"a": [1, "2", true, null]})", ManifestFormat::kJson);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->documents.at(0).value, json::parse(R"({"a": [1, "2", true, null]})"));
  EXPECT_NE(ParseError("{\"a\": ", ManifestFormat::kJson).find("parse error"), std::string::npos);
}

}  // namespace
}  // namespace probelet::api
