// The image manager on virtual time against a FakeImageService: each pull policy, the kubelet's
// event texts, the pull back-off (growth, cap, per key, reset by time only), the puller's limit,
// and `done` never running inside the call.
#include "kubelet/image_manager.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "base/virtual_clock.h"
#include "kubelet/testing/fake_image_service.h"

namespace probelet::kubelet {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

struct Recorded {
  std::string type;
  std::string reason;
  std::string message;
  std::string field_path;
  bool operator==(const Recorded&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Recorded& r) {
  return os << r.type << " " << r.reason << " \"" << r.message << "\" " << r.field_path;
}

class RecordingRecorder : public api::EventRecorder {
 public:
  void Record(const api::ObjectReference& object, std::string_view type, std::string_view reason,
              std::string message) override {
    events.push_back(
        {std::string(type), std::string(reason), std::move(message), object.field_path});
  }
  std::vector<Recorded> events;
};

class ImageManagerTest : public ::testing::Test {
 protected:
  explicit ImageManagerTest(ImageManager::Options options = {})
      : images_(clock_), manager_(clock_, images_, recorder_, options) {}

  static api::Pod MakePod(const std::string& uid) {
    api::Pod pod;
    pod.metadata.name = "web-" + uid;
    pod.metadata.namespace_ = "default";
    pod.metadata.uid = uid;
    return pod;
  }
  static api::Container MakeContainer(const std::string& image, const std::string& policy) {
    api::Container c;
    c.name = "app";
    c.image = image;
    c.image_pull_policy = policy;
    return c;
  }

  // Starts EnsureImageExists; the result lands in the returned slot once the clock runs.
  std::shared_ptr<std::optional<ImageResult>> Ensure(const std::string& image,
                                                     const std::string& policy,
                                                     const std::string& uid = "uid-1") {
    auto slot = std::make_shared<std::optional<ImageResult>>();
    api::Pod pod = MakePod(uid);
    api::Container c = MakeContainer(image, policy);
    manager_.EnsureImageExists(pod, c,
                               api::ContainerRef("default", pod.metadata.name, uid, "app",
                                                 /*init_container=*/false),
                               [slot](ImageResult r) { *slot = std::move(r); });
    EXPECT_FALSE(slot->has_value()) << "done ran inside EnsureImageExists";
    return slot;
  }

  // Runs the clock until nothing is pending and returns the result.
  ImageResult Run(const std::shared_ptr<std::optional<ImageResult>>& slot) {
    clock_.RunUntilIdle();
    EXPECT_TRUE(slot->has_value());
    return slot->value_or(ImageResult{"", "<no result>", ""});
  }
  ImageResult EnsureNow(const std::string& image, const std::string& policy,
                        const std::string& uid = "uid-1") {
    return Run(Ensure(image, policy, uid));
  }
  // Only the events recorded since the last call.
  std::vector<Recorded> TakeEvents() {
    std::vector<Recorded> out;
    out.swap(recorder_.events);
    return out;
  }

  base::VirtualClock clock_;
  testing::FakeImageService images_;
  RecordingRecorder recorder_;
  ImageManager manager_;
};

constexpr char kField[] = "spec.containers{app}";

TEST_F(ImageManagerTest, NeverWithThePresentImageUsesItWithoutPulling) {
  images_.images["app:1"] = {"sha256:abc", 10};
  ImageResult r = EnsureNow("app:1", "Never");
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.image_ref, "sha256:abc");
  EXPECT_EQ(images_.status_calls, std::vector<std::string>{"app:1"});
  EXPECT_TRUE(images_.pull_calls.empty());
  EXPECT_EQ(
      TakeEvents(),
      (std::vector<Recorded>{
          {"Normal", "Pulled", "Container image \"app:1\" already present on machine", kField}}));
}

TEST_F(ImageManagerTest, NeverWithoutTheImageIsErrImageNeverPull) {
  ImageResult r = EnsureNow("app:1", "Never");
  EXPECT_EQ(r.reason, "ErrImageNeverPull");
  EXPECT_EQ(r.message, "Container image \"app:1\" is not present with pull policy of Never");
  EXPECT_TRUE(images_.pull_calls.empty());
  EXPECT_EQ(TakeEvents(),
            (std::vector<Recorded>{{"Warning", "ErrImageNeverPull", r.message, kField}}));
}

TEST_F(ImageManagerTest, IfNotPresentWithThePresentImageDoesNotPull) {
  images_.images["app:1"] = {"sha256:abc", 10};
  ImageResult r = EnsureNow("app:1", "IfNotPresent");
  EXPECT_EQ(r.image_ref, "sha256:abc");
  EXPECT_TRUE(images_.pull_calls.empty());
  EXPECT_EQ(TakeEvents().at(0).message, "Container image \"app:1\" already present on machine");
}

TEST_F(ImageManagerTest, IfNotPresentWithoutTheImagePullsIt) {
  images_.pull_time = milliseconds(1234) + std::chrono::microseconds(567);
  auto slot = Ensure("app:1", "IfNotPresent");
  ImageResult r = Run(slot);
  EXPECT_TRUE(r.ok()) << r.reason << ": " << r.message;
  EXPECT_EQ(r.image_ref, "sha256:app:1");
  EXPECT_EQ(images_.status_calls, std::vector<std::string>{"app:1"});
  EXPECT_EQ(images_.pull_calls, std::vector<std::string>{"app:1"});
  // image_manager.go pullImage: both durations truncated to the millisecond, Go's %v.
  EXPECT_EQ(TakeEvents(),
            (std::vector<Recorded>{
                {"Normal", "Pulling", "Pulling image \"app:1\"", kField},
                {"Normal", "Pulled",
                 "Successfully pulled image \"app:1\" in 1.234s (1.234s including waiting). "
                 "Image size: 1234 bytes.",
                 kField}}));
}

TEST_F(ImageManagerTest, AlwaysPullsWithoutLookingEvenWhenPresent) {
  images_.images["app:1"] = {"sha256:old", 10};
  images_.pull_time = milliseconds(300);
  ImageResult r = EnsureNow("app:1", "Always");
  EXPECT_EQ(r.image_ref, "sha256:app:1");
  EXPECT_TRUE(images_.status_calls.empty());
  EXPECT_EQ(images_.pull_calls, std::vector<std::string>{"app:1"});
  EXPECT_EQ(TakeEvents().at(1).message,
            "Successfully pulled image \"app:1\" in 300ms (300ms including waiting). "
            "Image size: 1234 bytes.");
}

TEST_F(ImageManagerTest, AFailedPullIsErrImagePullWithTheRuntimesError) {
  const std::string err =
      "rpc error: code = Unknown desc = failed to pull and unpack image \"localhost/app:1\"";
  images_.pull_errors["localhost/app:1"] = err;
  ImageResult r = EnsureNow("localhost/app:1", "IfNotPresent");
  EXPECT_EQ(r.reason, "ErrImagePull");
  EXPECT_EQ(r.message, err);
  EXPECT_EQ(
      TakeEvents(),
      (std::vector<Recorded>{
          {"Normal", "Pulling", "Pulling image \"localhost/app:1\"", kField},
          {"Warning", "Failed", "Failed to pull image \"localhost/app:1\": " + err, kField}}));
}

TEST_F(ImageManagerTest, ACriErrorNameBecomesTheReason) {
  images_.pull_errors["app:1"] = "RegistryUnavailable: no route to registry.example";
  ImageResult r = EnsureNow("app:1", "Always");
  EXPECT_EQ(r.reason, "RegistryUnavailable");
  EXPECT_EQ(r.message,
            "image pull failed for app:1 because the registry is unavailable: no route to "
            "registry.example");
  images_.pull_errors["app:2"] = "SignatureValidationFailed";
  r = EnsureNow("app:2", "Always");
  EXPECT_EQ(r.reason, "SignatureValidationFailed");
  EXPECT_EQ(r.message, "image pull failed for app:2 because the signature validation failed");
}

TEST_F(ImageManagerTest, AnImageThatCannotBeInspectedIsImageInspectError) {
  images_.status_errors["app:1"] = "rpc error: code = Unavailable desc = connection refused";
  ImageResult r = EnsureNow("app:1", "IfNotPresent");
  EXPECT_EQ(r.reason, "ImageInspectError");
  EXPECT_EQ(r.message,
            "Failed to inspect image \"app:1\": rpc error: code = Unavailable desc = connection "
            "refused");
  EXPECT_TRUE(images_.pull_calls.empty());
  EXPECT_EQ(TakeEvents(), (std::vector<Recorded>{{"Warning", "InspectFailed", r.message, kField}}));
}

TEST_F(ImageManagerTest, InBackOffNoPullIsMadeAndTheLastErrorIsInTheMessage) {
  images_.pull_errors["app:1"] = "not found";
  EXPECT_EQ(EnsureNow("app:1", "IfNotPresent").reason, "ErrImagePull");
  TakeEvents();
  auto slot = Ensure("app:1", "IfNotPresent");  // done on a later turn, even with no pull
  ImageResult r = Run(slot);
  EXPECT_EQ(r.reason, "ImagePullBackOff");
  EXPECT_EQ(r.message, "Back-off pulling image \"app:1\": ErrImagePull: not found");
  EXPECT_EQ(images_.pull_calls.size(), 1u);
  EXPECT_EQ(
      TakeEvents(),
      (std::vector<Recorded>{{"Normal", "BackOff", "Back-off pulling image \"app:1\"", kField}}));
  // Always answers from the back-off without a runtime call at all: still never inline.
  EXPECT_EQ(Run(Ensure("app:1", "Always")).reason, "ImagePullBackOff");
}

// Tries a pull every 100 ms from now and returns how long until one reached the runtime.
base::Duration TimeToNextPull(base::VirtualClock& clock, testing::FakeImageService& images,
                              const std::function<ImageResult()>& ensure) {
  base::MonoTime start = clock.Now();
  size_t pulls = images.pull_calls.size();
  while (images.pull_calls.size() == pulls && clock.Now() - start < std::chrono::hours(1)) {
    ImageResult r = ensure();
    if (images.pull_calls.size() != pulls) break;
    EXPECT_EQ(r.reason, "ImagePullBackOff");
    clock.Advance(milliseconds(100));
  }
  return clock.Now() - start;
}

TEST_F(ImageManagerTest, TheBackOffDoublesFromTenSecondsToFiveMinutes) {
  images_.pull_errors["app:1"] = "not found";
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ErrImagePull");
  std::vector<base::Duration> waits;
  for (int i = 0; i < 7; ++i) {
    waits.push_back(TimeToNextPull(clock_, images_, [&] { return EnsureNow("app:1", "Always"); }));
  }
  EXPECT_EQ(waits, (std::vector<base::Duration>{seconds(10), seconds(20), seconds(40), seconds(80),
                                                seconds(160), seconds(300), seconds(300)}));
}

TEST_F(ImageManagerTest, TheBackOffIsPerPodAndImage) {
  images_.pull_errors["app:1"] = "not found";
  EXPECT_EQ(EnsureNow("app:1", "Always", "uid-1").reason, "ErrImagePull");
  EXPECT_EQ(EnsureNow("app:1", "Always", "uid-1").reason, "ImagePullBackOff");
  EXPECT_EQ(EnsureNow("app:1", "Always", "uid-2").reason, "ErrImagePull");  // another pod
  EXPECT_TRUE(EnsureNow("app:2", "Always", "uid-1").ok());                  // another image
  EXPECT_EQ(images_.pull_calls, (std::vector<std::string>{"app:1", "app:1", "app:2"}));
}

TEST_F(ImageManagerTest, OnlyTimeResetsTheBackOffNotASuccess) {
  images_.pull_errors["app:1"] = "not found";
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ErrImagePull");  // back-off 10 s
  clock_.Advance(seconds(10));
  images_.pull_errors.clear();
  EXPECT_TRUE(EnsureNow("app:1", "Always").ok());
  // image_manager.go keeps the entry on success (only backOff.GC()): the next failure doubles.
  images_.pull_errors["app:1"] = "not found";
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ErrImagePull");  // back-off 20 s
  clock_.Advance(seconds(19));
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ImagePullBackOff");
  clock_.Advance(seconds(1));
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ErrImagePull");  // back-off 40 s
  // More than 2 x 300 s without a failure: flowcontrol forgets the entry, and starts at 10 s.
  clock_.Advance(seconds(601));
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ErrImagePull");
  clock_.Advance(seconds(10));
  EXPECT_EQ(EnsureNow("app:1", "Always").reason, "ErrImagePull");
  EXPECT_EQ(images_.pull_calls.size(), 6u);
}

TEST_F(ImageManagerTest, TheRuntimeGetsTheDefaultTagEventsTheImageAsWritten) {
  EXPECT_TRUE(EnsureNow("app", "IfNotPresent").ok());
  EXPECT_TRUE(EnsureNow("localhost:5000/app", "IfNotPresent").ok());
  images_.images["app@sha256:0123"] = {"sha256:0123", 1};
  EXPECT_TRUE(EnsureNow("app@sha256:0123", "IfNotPresent").ok());
  EXPECT_EQ(
      images_.status_calls,
      (std::vector<std::string>{"app:latest", "localhost:5000/app:latest", "app@sha256:0123"}));
  EXPECT_EQ(images_.pull_calls,
            (std::vector<std::string>{"app:latest", "localhost:5000/app:latest"}));
  EXPECT_EQ(TakeEvents().at(0).message, "Pulling image \"app\"");
}

TEST_F(ImageManagerTest, ThePolicyIsTakenAsGivenEvenForLatest) {
  // Always for ":latest" is the API defaults' rule: a given IfNotPresent is obeyed.
  images_.images["app:latest"] = {"sha256:abc", 1};
  EXPECT_EQ(EnsureNow("app:latest", "IfNotPresent").image_ref, "sha256:abc");
  EXPECT_TRUE(images_.pull_calls.empty());
}

TEST_F(ImageManagerTest, ByDefaultPullsRunAtOnceSoASlowOneHoldsNoOther) {
  images_.pull_times["stuck:1"] = seconds(120);  // e.g. an unreachable registry, until deadline
  images_.pull_errors["stuck:1"] = "context deadline exceeded";
  images_.pull_time = seconds(1);
  auto stuck = Ensure("stuck:1", "Always", "uid-1");
  auto fine = Ensure("app:1", "Always", "uid-2");
  EXPECT_EQ(manager_.pulls_in_flight(), 2u);
  clock_.Advance(seconds(1));
  ASSERT_TRUE(fine->has_value());
  EXPECT_TRUE((*fine)->ok());
  EXPECT_FALSE(stuck->has_value());
  EXPECT_EQ(Run(stuck).reason, "ErrImagePull");
  EXPECT_EQ(images_.max_concurrent_pulls, 2);
}

class SerialImageManagerTest : public ImageManagerTest {
 protected:
  SerialImageManagerTest()
      : ImageManagerTest(ImageManager::Options{.max_parallel_image_pulls = 1}) {}
};

TEST_F(SerialImageManagerTest, PullsWaitTheirTurnAndTheWaitIsCounted) {
  images_.pull_time = seconds(2);
  auto first = Ensure("app:1", "Always", "uid-1");
  auto second = Ensure("app:2", "Always", "uid-2");
  EXPECT_EQ(manager_.pulls_in_flight(), 1u);
  EXPECT_EQ(manager_.pulls_waiting(), 1u);
  clock_.RunUntilIdle();
  EXPECT_TRUE((*first)->ok());
  EXPECT_TRUE((*second)->ok());
  EXPECT_EQ(images_.max_concurrent_pulls, 1);
  std::vector<Recorded> events = TakeEvents();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[3].message,
            "Successfully pulled image \"app:2\" in 2s (4s including waiting). Image size: 1234 "
            "bytes.");
}

TEST_F(ImageManagerTest, DestroyingTheManagerDropsPendingCallbacks) {
  base::VirtualClock clock;
  testing::FakeImageService images(clock);
  RecordingRecorder recorder;
  images.pull_time = seconds(1);
  bool called = false;
  {
    ImageManager manager(clock, images, recorder);
    api::Pod pod = MakePod("uid-1");
    manager.EnsureImageExists(pod, MakeContainer("app:1", "Always"), {},
                              [&](ImageResult) { called = true; });
    images.pull_errors["app:1"] = "x";
  }
  clock.RunUntilIdle();
  EXPECT_FALSE(called);
  EXPECT_EQ(images.pull_calls.size(), 1u);
}

}  // namespace
}  // namespace probelet::kubelet
