// The probe history (issue 14): the ring itself (wrap, 1 KiB outputs, shared repeats, since),
// its memory with repeating and with ever-different outputs (figures printed for
// bench/README.md), and what a worker records on the virtual clock for each kind of handler
// (http, tcp, grpc, exec): thresholds counted attempt by attempt, the cached result and when it
// changed, the hold after a liveness failure, and a container restart in the middle (the ring
// keeps the old instance's attempts, each with its container ID).
#include "prober/probe_history.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <malloc.h>

#include <chrono>
#include <cstdio>

#include "prober/testing/test_env.h"
#include "prober/worker.h"

namespace probelet::prober {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

ProbeAttempt At(api::Time start) {
  ProbeAttempt a;
  a.start = start;
  a.result = probe::Result::kSuccess;
  return a;
}

TEST(ProbeHistoryTest, KeepsTheLastNOldestFirst) {
  ProbeHistory h(3);
  api::Time t0{};
  for (int i = 1; i <= 5; ++i) h.Add(At(t0 + seconds(i)), "out " + std::to_string(i), "c://1");
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h.total(), 5u);
  EXPECT_EQ(*h.at(0).output, "out 3");
  EXPECT_EQ(*h.at(2).output, "out 5");
  EXPECT_EQ(*h.last()->output, "out 5");
}

TEST(ProbeHistoryTest, SnapshotSinceAndLimit) {
  ProbeHistory h(10);
  api::Time t0{};
  for (int i = 1; i <= 6; ++i) h.Add(At(t0 + seconds(i)), std::to_string(i), "c://1");
  auto since = h.Snapshot(SIZE_MAX, t0 + seconds(4));  // strictly after 4 s
  ASSERT_EQ(since.size(), 2u);
  EXPECT_EQ(*since[0].output, "5");
  EXPECT_EQ(*since[1].output, "6");
  auto last2 = h.Snapshot(2);
  ASSERT_EQ(last2.size(), 2u);
  EXPECT_EQ(*last2[0].output, "5");
  EXPECT_TRUE(h.Snapshot(SIZE_MAX, t0 + seconds(6)).empty());
  EXPECT_EQ(h.Snapshot().size(), 6u);
}

TEST(ProbeHistoryTest, OutputsAreCutAt1KiBOnACodePointBoundary) {
  ProbeHistory h(2);
  std::string long_output(1023, 'x');
  long_output += "\xc3\xa9";  // 'é' straddles byte 1024: cut before it
  long_output += std::string(100, 'y');
  h.Add(At({}), long_output, "c://1");
  EXPECT_EQ(h.last()->output->size(), 1023u);
  h.Add(At({}), std::string(5000, 'z'), "c://1");
  EXPECT_EQ(h.last()->output->size(), ProbeHistory::kMaxOutputBytes);
}

TEST(ProbeHistoryTest, AnOutputEqualToThePreviousIsShared) {
  ProbeHistory h(4);
  h.Add(At({}), "same", "c://1");
  h.Add(At({}), "same", "c://1");
  h.Add(At({}), "other", "c://2");
  EXPECT_EQ(h.at(0).output.get(), h.at(1).output.get());
  EXPECT_EQ(h.at(0).container_id.get(), h.at(1).container_id.get());
  EXPECT_NE(h.at(1).output.get(), h.at(2).output.get());
  EXPECT_EQ(*h.at(2).container_id, "c://2");
}

TEST(ProbeHistoryTest, ThresholdStateText) {
  EXPECT_EQ(ThresholdState(CachedResult::kFailure, 2, 3), "failure 2 of 3");
  EXPECT_EQ(ThresholdState(CachedResult::kSuccess, 1, 1), "success 1 of 1");
}

// Heap bytes in use now (glibc), to measure a full ring as the allocator sees it.
size_t HeapInUse() { return mallinfo2().uordblks; }

// A full ring of 100 attempts of a realistic worker ("probelet://" + 64 hex container ID),
// outputs from `output(i)`: the bytes it holds, as the ring counts them and as malloc does.
std::pair<size_t, size_t> FullRingBytes(const std::function<std::string(int)>& output) {
  const std::string id = "probelet://" + std::string(64, 'a');
  std::vector<std::string> outputs;
  for (int i = 0; i < 300; ++i) outputs.push_back(output(i));  // made before measuring
  size_t before = HeapInUse();
  auto h = std::make_unique<ProbeHistory>(ProbeHistory::kDefaultCapacity);
  for (int i = 0; i < 300; ++i) h->Add(At({}), outputs[i], id);
  size_t heap = HeapInUse() - before;
  return {h->MemoryBytes(), heap};
}

TEST(ProbeHistoryTest, MemoryOfAFullRing) {
  // The usual case: the same output every time (an HTTP status line, "" for TCP).
  auto [repeat_counted, repeat_heap] =
      FullRingBytes([](int) { return "HTTP probe failed with statuscode: 503"; });
  // The worst case: every output differs and is 1 KiB or more.
  auto [differ_counted, differ_heap] = FullRingBytes([](int i) {
    std::string s = std::to_string(i) + ":";
    s.resize(2000, 'x');
    return s;
  });
  std::printf(
      "probe history, 100 attempts: repeating outputs %zu B (malloc %zu B), every "
      "output different %zu B (malloc %zu B)\n",
      repeat_counted, repeat_heap, differ_counted, differ_heap);
  EXPECT_LE(repeat_heap, 16u * 1024);
  EXPECT_LE(differ_heap, 128u * 1024);
  EXPECT_LE(repeat_counted, 16u * 1024);
  EXPECT_LE(differ_counted, 128u * 1024);
}

// ----- what a worker records, per kind of handler -----

enum class Kind { kHttp, kTcp, kGrpc, kExec };

struct KindCase {
  Kind kind;
  const char* name;
};

class WorkerHistoryTest : public ::testing::TestWithParam<KindCase> {
 protected:
  WorkerHistoryTest() {
    t_.env.manager_start = t_.clock.Now() - std::chrono::hours(1);  // no jitter
    t_.env.history_length = 100;
    for (auto* h : Handlers()) h->delay = milliseconds(10);
  }
  std::vector<testing::ScriptedHandler*> Handlers() {
    return {&t_.http, &t_.tcp, &t_.grpc, &t_.exec};
  }
  testing::ScriptedHandler& Handler() { return *Handlers()[static_cast<int>(GetParam().kind)]; }
  api::Probe Probe(int failure_threshold, int success_threshold) {
    api::Probe p = testing::TestProbe();
    p.handler = {};
    switch (GetParam().kind) {
      case Kind::kHttp:
        p.handler.http_get =
            api::HTTPGetAction{"/healthz", api::IntOrString::Int(8080), "", "HTTP", {}};
        break;
      case Kind::kTcp:
        p.handler.tcp_socket = api::TCPSocketAction{api::IntOrString::Int(8080), ""};
        break;
      case Kind::kGrpc:
        p.handler.grpc = api::GRPCAction{9090, std::nullopt};
        break;
      case Kind::kExec:
        p.handler.exec = api::ExecAction{{"check", "--deep"}};
        break;
    }
    p.failure_threshold = failure_threshold;
    p.success_threshold = success_threshold;
    return p;
  }
  void Script(std::initializer_list<std::pair<probe::Result, const char*>> outcomes) {
    for (auto [r, out] : outcomes) Handler().script.push_back({r, out, std::nullopt});
  }
  api::PodStatus Running(const std::string& id) {
    api::PodStatus s = testing::RunningStatus(t_.Now(), true);
    s.container_statuses[0].container_id = id;
    return s;
  }
  testing::TestEnv t_;
};

TEST_P(WorkerHistoryTest, LivenessThresholdHoldAndARestartInTheMiddle) {
  SCOPED_TRACE(GetParam().name);
  t_.status.Set(testing::kPodUid, Running("test://one"));
  Script({{probe::Result::kSuccess, "fine"},
          {probe::Result::kFailure, "boom"},
          {probe::Result::kFailure, "boom"},
          {probe::Result::kFailure, "boom"}});
  auto w = t_.NewWorker(ProbeType::kLiveness, Probe(/*failure=*/3, /*success=*/1));
  const api::Time t0 = t_.Now();
  w->Start();
  t_.clock.Advance(seconds(3) + milliseconds(500));
  // On hold after the third failure: nothing more is probed until a new instance.
  t_.clock.Advance(seconds(3));
  const ProbeHistory* h = w->history();
  ASSERT_NE(h, nullptr);
  ASSERT_EQ(h->size(), 4u);
  struct Want {
    probe::Result result;
    const char* state;
    CachedResult cached;
    bool changed;
  };
  const Want want[] = {
      {probe::Result::kSuccess, "success 1 of 1", CachedResult::kSuccess, false},
      {probe::Result::kFailure, "failure 1 of 3", CachedResult::kSuccess, false},
      {probe::Result::kFailure, "failure 2 of 3", CachedResult::kSuccess, false},
      {probe::Result::kFailure, "failure 3 of 3", CachedResult::kFailure, true},
  };
  for (size_t i = 0; i < 4; ++i) {
    SCOPED_TRACE(i);
    const ProbeAttempt& a = h->at(i);
    EXPECT_EQ(a.result, want[i].result);
    EXPECT_EQ(ThresholdState(a.run_result, a.run, a.threshold), want[i].state);
    EXPECT_EQ(a.cached, want[i].cached);
    EXPECT_EQ(a.changed, want[i].changed);
    EXPECT_FALSE(a.discarded);
    EXPECT_EQ(a.start, t0 + seconds(i));  // one a period, from the first tick
    EXPECT_EQ(a.duration, milliseconds(10));
    EXPECT_EQ(*a.container_id, "test://one");
    EXPECT_THAT(*a.output, HasSubstr(i == 0 ? "fine" : "boom"));
  }
  EXPECT_EQ(h->at(0).consecutive_successes(), 1);
  EXPECT_EQ(h->at(2).consecutive_failures(), 2);
  EXPECT_TRUE(w->on_hold());

  // The kubelet restarts the container: a new ID lifts the hold (§3.3.5); the run restarted
  // from 0 at the hold, so the first success is "success 1 of 1" again.
  t_.status.Set(testing::kPodUid, Running("test://two"));
  t_.clock.Advance(seconds(2));
  ASSERT_EQ(h->size(), 6u);
  EXPECT_EQ(*h->at(3).container_id, "test://one");  // the old instance's attempts stay
  for (size_t i = 4; i < 6; ++i) {
    const ProbeAttempt& a = h->at(i);
    EXPECT_EQ(*a.container_id, "test://two");
    EXPECT_EQ(a.result, probe::Result::kSuccess);
    EXPECT_EQ(a.cached, CachedResult::kSuccess);  // the new instance's initial value
    EXPECT_FALSE(a.changed);
  }
  EXPECT_EQ(ThresholdState(h->at(4).run_result, h->at(4).run, h->at(4).threshold),
            "success 1 of 1");
  EXPECT_EQ(ThresholdState(h->at(5).run_result, h->at(5).run, h->at(5).threshold),
            "success 2 of 1");
  EXPECT_EQ(h->at(4).container_id.get(), h->at(5).container_id.get());  // shared
  w->Stop();
}

TEST_P(WorkerHistoryTest, ReadinessFlipsAreMarkedChanged) {
  SCOPED_TRACE(GetParam().name);
  t_.status.Set(testing::kPodUid, Running("test://one"));
  Script({{probe::Result::kSuccess, ""},
          {probe::Result::kSuccess, ""},
          {probe::Result::kFailure, "down"},
          {probe::Result::kSuccess, ""}});
  auto w = t_.NewWorker(ProbeType::kReadiness, Probe(/*failure=*/1, /*success=*/2));
  w->Start();
  t_.clock.Advance(seconds(3) + milliseconds(500));
  const ProbeHistory* h = w->history();
  ASSERT_EQ(h->size(), 4u);
  // Readiness starts at Failure; two successes make it Success; one failure flips it back.
  EXPECT_EQ(h->at(0).cached, CachedResult::kFailure);
  EXPECT_FALSE(h->at(0).changed);
  EXPECT_EQ(ThresholdState(h->at(0).run_result, h->at(0).run, h->at(0).threshold),
            "success 1 of 2");
  EXPECT_EQ(h->at(1).cached, CachedResult::kSuccess);
  EXPECT_TRUE(h->at(1).changed);
  EXPECT_EQ(h->at(2).cached, CachedResult::kFailure);
  EXPECT_TRUE(h->at(2).changed);
  EXPECT_EQ(ThresholdState(h->at(2).run_result, h->at(2).run, h->at(2).threshold),
            "failure 1 of 1");
  EXPECT_EQ(h->at(3).cached, CachedResult::kFailure);  // one success of two: still not ready
  EXPECT_FALSE(h->at(3).changed);
  w->Stop();
}

TEST_P(WorkerHistoryTest, AnErroredProbeIsKeptAsDiscarded) {
  SCOPED_TRACE(GetParam().name);
  api::PodStatus s = Running("test://one");
  s.container_statuses[0].started = false;  // a startup probe runs until the container started
  t_.status.Set(testing::kPodUid, s);
  Handler().script.push_back({probe::Result::kFailure, "x", std::nullopt});
  for (int i = 0; i < Prober::kMaxProbeRetries; ++i) {
    Handler().script.push_back({probe::Result::kUnknown, "", "connection refused"});
  }
  auto w = t_.NewWorker(ProbeType::kStartup, Probe(/*failure=*/3, /*success=*/1));
  w->Start();
  t_.clock.Advance(seconds(1) + milliseconds(500));
  const ProbeHistory* h = w->history();
  ASSERT_EQ(h->size(), 2u);
  EXPECT_EQ(ThresholdState(h->at(0).run_result, h->at(0).run, h->at(0).threshold),
            "failure 1 of 3");
  const ProbeAttempt& a = h->at(1);
  EXPECT_TRUE(a.discarded);
  EXPECT_EQ(a.result, probe::Result::kUnknown);
  EXPECT_THAT(*a.output, HasSubstr("connection refused"));
  // Counters untouched: still the one failure before it.
  EXPECT_EQ(ThresholdState(a.run_result, a.run, a.threshold), "failure 1 of 3");
  EXPECT_EQ(a.cached, CachedResult::kUnknown);  // startup's initial value
  w->Stop();
}

INSTANTIATE_TEST_SUITE_P(EachHandler, WorkerHistoryTest,
                         ::testing::Values(KindCase{Kind::kHttp, "http"},
                                           KindCase{Kind::kTcp, "tcp"},
                                           KindCase{Kind::kGrpc, "grpc"},
                                           KindCase{Kind::kExec, "exec"}),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(WorkerHistoryOffTest, NoHistoryWhenTheLengthIsZero) {
  testing::TestEnv t;
  auto w = t.NewWorker(ProbeType::kLiveness, testing::TestProbe());
  EXPECT_EQ(w->history(), nullptr);
}

}  // namespace
}  // namespace probelet::prober
