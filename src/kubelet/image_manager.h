// ImageManager: the kubelet's image manager (pkg/kubelet/images/image_manager.go,
// EnsureImageExists, with its puller, puller.go): before a container is created, it resolves the
// image the container names to the image ref the runtime creates it from, looking the image up
// (ImageStatus) and pulling it (PullImage) as the container's imagePullPolicy says, recording
// the kubelet's events and returning the kubelet's errors, which the caller turns into the
// container's waiting reason and message.
//
// The rules, as EnsureImageExists has them:
//  - Never: present -> its ref (Normal "Pulled" `Container image "X" already present on
//    machine`); absent -> ErrImageNeverPull (Warning "ErrImageNeverPull" `Container image "X"
//    is not present with pull policy of Never`).
//  - IfNotPresent: present -> as Never; absent -> pull. Always: pull, without looking first.
//  - Pull: per (pod UID, image) back-off (the kubelet's imageBackOff: client-go flowcontrol,
//    10 s doubling to 300 s, forgotten after 600 s without a failure). In back-off: no pull;
//    Normal "BackOff" `Back-off pulling image "X"` and ImagePullBackOff with that message plus
//    `: <reason>: <message>` of the last failed pull. Else Normal "Pulling" `Pulling image "X"`,
//    then Warning "Failed" `Failed to pull image "X": <error>` and ErrImagePull (message: the
//    runtime's error; the back-off grows), or Normal "Pulled" `Successfully pulled image "X" in
//    <pull> (<total> including waiting). Image size: <n> bytes.` (Go durations truncated to the
//    millisecond; <total> counts the time queued behind other pulls).
//  - An image that cannot be inspected: Warning "InspectFailed" `Failed to inspect image "X":
//    <error>` and ImageInspectError. (The kubelet prints the empty image ref there, a slip of
//    imagePullPrecheck; this prints the image.)
//  - The image sent to the runtime gets ":latest" when it names no tag and no digest (the
//    kubelet's applyDefaultImageTag); events and the back-off key use the image as written. The
//    pull policy is taken as given: its default (Always for ":latest" or no tag) is the API
//    defaults' job. Pull secrets and credential providers are not supported.
//
// Pulls: at most Options::max_parallel_image_pulls run at once, the rest wait in FIFO order
// (the kubelet's puller: serializeImagePulls=true is a limit of 1, its default; with false,
// maxParallelImagePulls, unlimited by default). probelet's default is no limit: a pull that
// hangs until its CRI deadline (an unreachable registry) must not hold up the pulls of other
// pods (issue 10: an image that cannot be pulled never blocks other pods), and containerd
// already merges concurrent pulls of one image.
//
// Threading: one event loop; call it on the loop's thread. Nothing blocks: EnsureImageExists
// returns at once and `done` runs later on the loop (never inside the call), exactly once, unless
// the manager is destroyed first: destroying it drops every pending `done` (a pull already sent
// to the runtime goes on there). Callers that may go away before `done` guard it themselves.
// Ownership: the clock, image service and recorder must outlive the manager.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api/event.h"
#include "api/pod.h"
#include "base/clock.h"
#include "kubelet/crash_loop_backoff.h"
#include "runtime/image_service.h"

namespace probelet::kubelet {

// The kubelet's image errors (images/types.go, cri-api errors.go): the reason a container waits
// with when its image cannot be had.
inline constexpr std::string_view kErrImagePull = "ErrImagePull";
inline constexpr std::string_view kErrImagePullBackOff = "ImagePullBackOff";
inline constexpr std::string_view kErrImageNeverPull = "ErrImageNeverPull";
inline constexpr std::string_view kErrImageInspect = "ImageInspectError";
inline constexpr std::string_view kErrRegistryUnavailable = "RegistryUnavailable";
inline constexpr std::string_view kErrSignatureValidationFailed = "SignatureValidationFailed";

// The kubelet's pull policies (v1.PullPolicy).
inline constexpr std::string_view kPullAlways = "Always";
inline constexpr std::string_view kPullIfNotPresent = "IfNotPresent";
inline constexpr std::string_view kPullNever = "Never";

// What EnsureImageExists returns: the image ref, or the error (reason and message) the
// container's waiting state shows.
struct ImageResult {
  std::string image_ref;  // on success: the image id ("sha256:...") to create the container from
  std::string reason;     // empty on success; else one of the kErr* reasons above
  std::string message;    // on failure: the waiting state's message
  bool ok() const { return reason.empty(); }
};

class ImageManager {
 public:
  struct Options {
    // Pulls running at once; 0 = no limit, 1 = the kubelet's serializeImagePulls.
    int max_parallel_image_pulls = 0;
    // The kubelet's imageBackOff (kubelet.go: imageBackOffPeriod, MaxImageBackOff).
    base::Duration backoff_initial = std::chrono::seconds(10);
    base::Duration backoff_max = std::chrono::seconds(300);
  };
  using Callback = std::function<void(ImageResult)>;

  ImageManager(base::Clock& clock, runtime::ImageService& images, api::EventRecorder& recorder)
      : ImageManager(clock, images, recorder, Options{}) {}
  ImageManager(base::Clock& clock, runtime::ImageService& images, api::EventRecorder& recorder,
               Options options);
  ~ImageManager();
  ImageManager(const ImageManager&) = delete;
  ImageManager& operator=(const ImageManager&) = delete;

  // Resolves `container`'s image for `pod` (its UID keys the back-off), recording events on
  // `ref` (the container's reference, api::ContainerRef). The pod and container are read during
  // the call only.
  void EnsureImageExists(const api::Pod& pod, const api::Container& container,
                         const api::ObjectReference& ref, Callback done);

  // Pulls sent to the runtime and not yet answered; pulls waiting for a slot.
  size_t pulls_in_flight() const { return in_flight_; }
  size_t pulls_waiting() const { return queue_.size(); }

 private:
  struct Op;
  struct Failure {
    base::MonoTime at{};
    std::string message;  // "<reason>: <message>" of the failed pull
  };

  void OnImageStatus(uint64_t id, base::Expected<std::optional<runtime::ImageInfo>> status);
  void Pull(Op& op);
  void StartPulls();
  void OnPulled(uint64_t id, base::Expected<runtime::ImageInfo> pulled);
  void Event(const Op& op, std::string_view type, std::string_view reason, std::string message);
  // Delivers `result` to the op's caller and forgets the op; `later` defers it to a timer for
  // the paths that answer without a runtime call in between.
  void Finish(uint64_t id, ImageResult result, bool later = false);
  void ForgetOldFailures();

  base::Clock& clock_;
  runtime::ImageService& images_;
  api::EventRecorder& recorder_;
  Options options_;
  CrashLoopBackOff backoff_;
  std::map<std::string, Failure> failures_;  // by back-off key: the last failed pull's error
  std::map<uint64_t, std::unique_ptr<Op>> ops_;
  std::deque<uint64_t> queue_;  // ops waiting for a pull slot, oldest first
  size_t in_flight_ = 0;
  uint64_t next_id_ = 1;
  // Callbacks from the image service hold a weak_ptr to this: they do nothing once it is gone.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace probelet::kubelet
