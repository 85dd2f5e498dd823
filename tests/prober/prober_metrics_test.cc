// prober_probe_total and prober_probe_duration_seconds (§7.2): recording rules, series
// lifetime, and the exposition text, checked by promtool when it is installed.
#include "prober/prober_metrics.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace probelet::prober {
namespace {

using std::chrono::milliseconds;

ProberMetrics::Labels L(ProbeType t, std::string_view container = "web",
                        std::string_view uid = "uid-1") {
  return {t, container, "pod-a", "default", uid};
}

TEST(ProberMetricsTest, CountsEveryHandledProbeAndTimesOnlyNonFailures) {
  ProberMetrics m;
  ProberMetrics::Series* s = nullptr;
  s = m.Observe(s, L(ProbeType::kReadiness), CachedResult::kSuccess, milliseconds(3));
  s = m.Observe(s, L(ProbeType::kReadiness), CachedResult::kSuccess, milliseconds(30));
  s = m.Observe(s, L(ProbeType::kReadiness), CachedResult::kFailure, milliseconds(300));
  EXPECT_EQ(m.ProbeTotal(L(ProbeType::kReadiness), "successful"), 2);
  EXPECT_EQ(m.ProbeTotal(L(ProbeType::kReadiness), "failed"), 1);
  EXPECT_EQ(m.ProbeTotal(L(ProbeType::kReadiness), "unknown"), -1);  // never observed
  EXPECT_EQ(m.DurationCount(L(ProbeType::kReadiness)), 2);           // not the Failure
  m.Delete(s);
  EXPECT_EQ(m.ProbeTotal(L(ProbeType::kReadiness), "successful"), -1);
  EXPECT_EQ(m.DurationCount(L(ProbeType::kReadiness)), -1);
  std::string out;
  m.WriteText(out);
  EXPECT_EQ(out, "");
}

TEST(ProberMetricsTest, ExpositionText) {
  ProberMetrics m;
  auto* s = m.Observe(nullptr, L(ProbeType::kLiveness), CachedResult::kSuccess, milliseconds(5));
  m.Observe(s, L(ProbeType::kLiveness), CachedResult::kFailure, milliseconds(1));
  m.Observe(s, L(ProbeType::kLiveness), CachedResult::kSuccess, std::chrono::seconds(20));
  std::string out;
  m.WriteText(out);
  const std::string labels = R"(container="web",namespace="default",pod="pod-a")";
  std::string want =
      "# HELP prober_probe_total [BETA] Cumulative number of a liveness, readiness or startup "
      "probe for a container by result.\n"
      "# TYPE prober_probe_total counter\n"
      "prober_probe_total{" +
      labels +
      R"(,pod_uid="uid-1",probe_type="Liveness",result="failed"} 1)"
      "\n"
      "prober_probe_total{" +
      labels +
      R"(,pod_uid="uid-1",probe_type="Liveness",result="successful"} 2)"
      "\n"
      "# HELP prober_probe_duration_seconds [ALPHA] Duration in seconds for a probe response.\n"
      "# TYPE prober_probe_duration_seconds histogram\n";
  const char* les[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                       "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
  for (const char* le : les) {
    want += "prober_probe_duration_seconds_bucket{" + labels + R"(,probe_type="Liveness",le=")" +
            le + "\"} " + (std::string(le) == "+Inf" ? "2" : "1") + "\n";
  }
  want += "prober_probe_duration_seconds_sum{" + labels + ",probe_type=\"Liveness\"} 20.005\n";
  want += "prober_probe_duration_seconds_count{" + labels + ",probe_type=\"Liveness\"} 2\n";
  EXPECT_EQ(out, want);
}

// /metrics writes the series a piece at a time between turns of the loop: the pieces make the
// same text as one call, each family's HELP and TYPE once, and a series that comes or goes
// between pieces is written or not by where its key falls, never twice.
TEST(ProberMetricsTest, ThePiecewiseTextIsTheWholeText) {
  ProberMetrics m;
  std::vector<ProberMetrics::Series*> series;
  for (int i = 0; i < 10; ++i) {
    std::string c = "c" + std::to_string(i);
    auto* s =
        m.Observe(nullptr, L(ProbeType::kLiveness, c), CachedResult::kSuccess, milliseconds(i));
    series.push_back(
        m.Observe(s, L(ProbeType::kLiveness, c), CachedResult::kFailure, milliseconds(i)));
  }
  std::string whole;
  m.WriteText(whole);
  for (size_t per_piece : {1, 3, 10, 11, 20, 1000}) {
    std::string text;
    ProberMetrics::TextCursor cursor;
    int pieces = 1;
    while (!m.WriteText(text, cursor, per_piece)) ++pieces;
    EXPECT_TRUE(cursor.done());
    EXPECT_EQ(text, whole) << per_piece;
    EXPECT_EQ(pieces, static_cast<int>((20 + per_piece - 1) / per_piece)) << per_piece;
  }

  std::string text;
  ProberMetrics::TextCursor cursor;
  ASSERT_FALSE(m.WriteText(text, cursor, 5));  // counters c0..c4
  m.Delete(series[2]);                         // already written
  m.Delete(series[7]);                         // not yet: left out
  m.Observe(nullptr, L(ProbeType::kLiveness, "c0a"), CachedResult::kSuccess, milliseconds(1));
  m.Observe(nullptr, L(ProbeType::kLiveness, "c9a"), CachedResult::kSuccess, milliseconds(1));
  while (!m.WriteText(text, cursor, 5)) {
  }
  auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count("# TYPE prober_probe_total counter\n"), 1u);
  EXPECT_EQ(count("# TYPE prober_probe_duration_seconds histogram\n"), 1u);
  EXPECT_EQ(count("prober_probe_total{container=\"c2\""), 2u);  // written before it went
  EXPECT_EQ(count("prober_probe_total{container=\"c7\""), 0u);
  EXPECT_EQ(count("prober_probe_total{container=\"c0a\""), 0u);  // came behind the cursor
  EXPECT_EQ(count("prober_probe_total{container=\"c9a\""), 1u);
  // Histograms are written after every counter, so c2's is gone and c0a's is there.
  EXPECT_EQ(count("prober_probe_duration_seconds_count{container=\"c2\""), 0u);
  EXPECT_EQ(count("prober_probe_duration_seconds_count{container=\"c0a\""), 1u);
}

TEST(ProberMetricsTest, LabelValuesAreEscaped) {
  ProberMetrics m;
  m.Observe(nullptr, {ProbeType::kStartup, "a\"b", "p\\q", "n\nm", "u"}, CachedResult::kFailure,
            {});
  std::string out;
  m.WriteText(out);
  EXPECT_NE(out.find(R"(container="a\"b",namespace="n\nm",pod="p\\q")"), std::string::npos) << out;
}

TEST(ProberMetricsTest, SharedDurationSeriesLivesUntilItsLastWorkerStops) {
  // Two pods with the same namespace/name/container but different UIDs.
  ProberMetrics m;
  auto* a = m.Observe(nullptr, L(ProbeType::kReadiness, "web", "uid-1"), CachedResult::kSuccess,
                      milliseconds(1));
  auto* b = m.Observe(nullptr, L(ProbeType::kReadiness, "web", "uid-2"), CachedResult::kSuccess,
                      milliseconds(1));
  EXPECT_EQ(m.DurationCount(L(ProbeType::kReadiness)), 2);
  m.Delete(a);
  EXPECT_EQ(m.ProbeTotal(L(ProbeType::kReadiness, "web", "uid-1"), "successful"), -1);
  EXPECT_EQ(m.DurationCount(L(ProbeType::kReadiness)), 2);
  m.Observe(b, L(ProbeType::kReadiness, "web", "uid-2"), CachedResult::kSuccess, milliseconds(1));
  EXPECT_EQ(m.DurationCount(L(ProbeType::kReadiness)), 3);
  m.Delete(b);
  EXPECT_EQ(m.DurationCount(L(ProbeType::kReadiness)), -1);
}

// Runs `promtool check metrics` on `text`; returns its exit status and output.
std::pair<int, std::string> PromtoolCheck(const std::string& text) {
  auto dir = std::filesystem::temp_directory_path();
  auto in = dir / ("prober_metrics_" + std::to_string(getpid()) + ".prom");
  std::ofstream(in) << text;
  std::string cmd = "promtool check metrics < '" + in.string() + "' 2>&1";
  std::string output;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return {-1, "popen failed"};
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) output.append(buf, n);
  int status = pclose(p);
  std::filesystem::remove(in);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(ProberMetricsTest, PromtoolAcceptsTheExposition) {
  if (system("command -v promtool >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "promtool not installed";
  }
  ProberMetrics m;
  for (ProbeType t : kAllProbeTypes) {
    for (int i = 0; i < 3; ++i) {
      auto* s = m.Observe(nullptr, L(t, "c" + std::to_string(i)), CachedResult::kSuccess,
                          milliseconds(7 * i));
      m.Observe(s, L(t, "c" + std::to_string(i)), CachedResult::kFailure, {});
      m.Observe(s, L(t, "c" + std::to_string(i)), CachedResult::kUnknown, milliseconds(2));
    }
  }
  std::string out;
  m.WriteText(out);
  auto [code, message] = PromtoolCheck(out);
  EXPECT_EQ(code, 0) << message << "\n" << out;
  EXPECT_EQ(message, "") << out;  // no lint complaints either
  // And a broken text is refused, so the check can fail.
  auto [bad_code, bad_message] = PromtoolCheck("prober_probe_total{x=\"1\" 2\n");
  EXPECT_NE(bad_code, 0) << bad_message;
}

}  // namespace
}  // namespace probelet::prober
