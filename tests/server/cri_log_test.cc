#include "server/cri_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace probelet::server {
namespace {

constexpr std::string_view kLog =
    "2026-11-28T08:15:50.000000001Z stdout F first line\n"
    "2026-11-28T08:15:51.000000002Z stderr F an error\n"
    "2026-11-28T08:15:52.000000003Z stdout P partial \n"
    "2026-11-28T08:15:52.000000004Z stdout F and the rest\n"
    "2026-11-28T08:15:53.000000005Z stdout F \n";

std::string Decode(std::string_view bytes, LogOptions options = {}) {
  CriLogDecoder d(options);
  std::string out;
  d.Feed(bytes, out);
  d.Flush(out);
  return out;
}

TEST(CriLogDecoderTest, StripsThePrefixJoinsPartialsAndKeepsBothStreams) {
  EXPECT_EQ(Decode(kLog), "first line\nan error\npartial and the rest\n\n");
}

TEST(CriLogDecoderTest, AnySplitOfTheInputGivesTheSameOutput) {
  std::string whole = Decode(kLog);
  for (size_t cut = 0; cut <= kLog.size(); ++cut) {
    CriLogDecoder d({});
    std::string out;
    d.Feed(kLog.substr(0, cut), out);
    d.Feed(kLog.substr(cut), out);
    d.Flush(out);
    EXPECT_EQ(out, whole) << "cut at " << cut;
  }
}

TEST(CriLogDecoderTest, TimestampsPrefixEachLine) {
  LogOptions o;
  o.timestamps = true;
  EXPECT_EQ(Decode(kLog.substr(0, kLog.find("2026-11-28T08:15:52")), o),
            "2026-11-28T08:15:50.000000001Z first line\n"
            "2026-11-28T08:15:51.000000002Z an error\n");
}

TEST(CriLogDecoderTest, SinceDropsEarlierLines) {
  LogOptions o;
  o.since = api::ParseRFC3339("2026-11-28T08:15:51Z");
  EXPECT_EQ(Decode(kLog, o), "an error\npartial and the rest\n\n");
}

TEST(CriLogDecoderTest, NonCriLinesPassThrough) {
  EXPECT_EQ(Decode("plain text\n"), "plain text\n");
}

class TailTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("cri_log_test_" + std::to_string(getpid()) + ".log");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Write(std::string_view s) { std::ofstream(path_, std::ios::binary) << s; }
  std::filesystem::path path_;
};

TEST_F(TailTest, OffsetOfTheLastNLines) {
  Write("a\nbb\nccc\n");
  EXPECT_EQ(*TailStartOffset(path_, 1), 5u);
  EXPECT_EQ(*TailStartOffset(path_, 2), 2u);
  EXPECT_EQ(*TailStartOffset(path_, 3), 0u);
  EXPECT_EQ(*TailStartOffset(path_, 10), 0u);
  EXPECT_EQ(*TailStartOffset(path_, 0), 9u);
  Write("a\nbb\nccc");  // no final newline: the last line still counts
  EXPECT_EQ(*TailStartOffset(path_, 1), 5u);
}

TEST_F(TailTest, LargeFileAcrossReadBlocks) {
  std::string data;
  for (int i = 0; i < 20000; ++i)
    data += "2026-11-28T08:15:50.000000001Z stdout F line " + std::to_string(i) + "\n";
  Write(data);
  auto offset = TailStartOffset(path_, 3);
  ASSERT_TRUE(offset.ok());
  auto chunk = ReadFileChunk(path_, *offset, 1 << 20);
  ASSERT_TRUE(chunk.ok());
  EXPECT_EQ(Decode(*chunk), "line 19997\nline 19998\nline 19999\n");
}

TEST_F(TailTest, MissingFileIsAnErrorNamingIt) {
  auto r = TailStartOffset("/nonexistent/x.log", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("/nonexistent/x.log"), std::string::npos);
  EXPECT_FALSE(ReadFileChunk("/nonexistent/x.log", 0, 10).ok());
}

}  // namespace
}  // namespace probelet::server
