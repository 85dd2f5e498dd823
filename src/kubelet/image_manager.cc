#include "kubelet/image_manager.h"

#include <utility>

#include "base/go_duration.h"
#include "base/go_quote.h"

namespace probelet::kubelet {
namespace {

// applyDefaultImageTag (image_manager.go): ":latest" for an image with neither a tag nor a
// digest. A ':' before the last '/' is a registry port ("localhost:5000/app"), not a tag.
std::string ApplyDefaultImageTag(const std::string& image) {
  if (image.find('@') != std::string::npos) return image;
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) return image;
  return image + ":latest";
}

// evalCRIPullErr (image_manager.go): the runtime may prefix its error with a CRI error name
// (cri-api errors.go); those become the reason, the rest ErrImagePull with the error as it is.
ImageResult EvalCriPullErr(const std::string& image, const std::string& error) {
  struct Named {
    std::string_view reason;
    std::string_view because;
  };
  for (Named n : {Named{kErrRegistryUnavailable, "the registry is unavailable"},
                  Named{kErrSignatureValidationFailed, "the signature validation failed"}}) {
    if (error.starts_with(n.reason)) {
      return {"", std::string(n.reason),
              "image pull failed for " + image + " because " + std::string(n.because) +
                  error.substr(n.reason.size())};
    }
  }
  return {"", std::string(kErrImagePull), error};
}

// Go's %v of a Duration after .Truncate(time.Millisecond).
std::string MillisDuration(base::Duration d) {
  return base::FormatGoDuration(std::chrono::duration_cast<std::chrono::milliseconds>(d));
}

}  // namespace

struct ImageManager::Op {
  uint64_t id = 0;
  std::string requested;  // the image as the container names it: events, messages, back-off key
  std::string image;      // with the default tag: what the runtime is asked for
  std::string policy;
  std::string backoff_key;  // the kubelet's "<pod UID>_<image>"
  api::ObjectReference ref;
  Callback done;
  base::MonoTime pull_requested{};  // when it asked for a pull slot
  base::MonoTime pull_started{};    // when the runtime was asked
  std::unique_ptr<base::Timer> later;
};

ImageManager::ImageManager(base::Clock& clock, runtime::ImageService& images,
                           api::EventRecorder& recorder, Options options)
    : clock_(clock),
      images_(images),
      recorder_(recorder),
      options_(options),
      // flowcontrol.Backoff, as CrashLoopBackOff is; an entry expires 2 x max after its last
      // failure (flowcontrol's hasExpired).
      backoff_(clock, CrashLoopBackOff::Options{options.backoff_initial, options.backoff_max,
                                                2 * options.backoff_max}) {}

ImageManager::~ImageManager() = default;

void ImageManager::EnsureImageExists(const api::Pod& pod, const api::Container& container,
                                     const api::ObjectReference& ref, Callback done) {
  uint64_t id = next_id_++;
  auto op = std::make_unique<Op>();
  op->id = id;
  op->requested = container.image;
  op->image = ApplyDefaultImageTag(container.image);
  op->policy = container.image_pull_policy;
  op->backoff_key = pod.metadata.uid + "_" + container.image;
  op->ref = ref;
  op->done = std::move(done);
  Op& o = *ops_.emplace(id, std::move(op)).first->second;

  // imagePullPrecheck: Always pulls without looking; IfNotPresent and Never look first.
  if (o.policy == kPullAlways) {
    Pull(o);
    return;
  }
  std::weak_ptr<int> alive = alive_;
  images_.ImageStatus(o.image, [this, alive, id](auto status) {
    if (!alive.expired()) OnImageStatus(id, std::move(status));
  });
}

void ImageManager::OnImageStatus(uint64_t id,
                                 base::Expected<std::optional<runtime::ImageInfo>> status) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  Op& op = *it->second;
  if (!status.ok()) {
    std::string msg =
        "Failed to inspect image " + base::GoQuote(op.requested) + ": " + status.error().message;
    Event(op, api::kEventWarning, "InspectFailed", msg);
    Finish(id, {"", std::string(kErrImageInspect), std::move(msg)});
    return;
  }
  if (*status) {
    Event(op, api::kEventNormal, "Pulled",
          "Container image " + base::GoQuote(op.requested) + " already present on machine");
    Finish(id, {(*status)->ref, "", ""});
    return;
  }
  if (op.policy == kPullNever) {
    // imageNotPresentOnNeverPolicyError.
    std::string msg = "Container image " + base::GoQuote(op.requested) +
                      " is not present with pull policy of Never";
    Event(op, api::kEventWarning, "ErrImageNeverPull", msg);
    Finish(id, {"", std::string(kErrImageNeverPull), std::move(msg)});
    return;
  }
  Pull(op);
}

// The first half of the kubelet's pullImage: the back-off check, then the puller.
void ImageManager::Pull(Op& op) {
  const uint64_t id = op.id;
  auto failed = failures_.find(op.backoff_key);
  if (failed != failures_.end() && backoff_.IsInBackOffSince(op.backoff_key, failed->second.at)) {
    std::string msg = "Back-off pulling image " + base::GoQuote(op.requested);
    Event(op, api::kEventNormal, "BackOff", msg);
    // The last pull's error goes into the waiting message (the kubelet's prevPullErrMsg).
    msg += ": " + failed->second.message;
    Finish(id, {"", std::string(kErrImagePullBackOff), std::move(msg)}, /*later=*/true);
    return;
  }
  if (failed != failures_.end()) failures_.erase(failed);
  Event(op, api::kEventNormal, "Pulling", "Pulling image " + base::GoQuote(op.requested));
  op.pull_requested = clock_.Now();
  queue_.push_back(id);
  StartPulls();
}

void ImageManager::StartPulls() {
  size_t limit = options_.max_parallel_image_pulls;
  while (!queue_.empty() && (limit == 0 || in_flight_ < limit)) {
    uint64_t id = queue_.front();
    queue_.pop_front();
    auto it = ops_.find(id);
    if (it == ops_.end()) continue;
    it->second->pull_started = clock_.Now();
    ++in_flight_;
    std::weak_ptr<int> alive = alive_;
    images_.PullImage(it->second->image, [this, alive, id](base::Expected<runtime::ImageInfo> r) {
      if (!alive.expired()) OnPulled(id, std::move(r));
    });
  }
}

void ImageManager::OnPulled(uint64_t id, base::Expected<runtime::ImageInfo> pulled) {
  --in_flight_;
  StartPulls();
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  Op& op = *it->second;
  base::MonoTime now = clock_.Now();
  if (!pulled.ok()) {
    const std::string& error = pulled.error().message;
    Event(op, api::kEventWarning, "Failed",
          "Failed to pull image " + base::GoQuote(op.requested) + ": " + error);
    backoff_.Next(op.backoff_key, now);
    ImageResult result = EvalCriPullErr(op.requested, error);
    failures_[op.backoff_key] = Failure{now, result.reason + ": " + result.message};
    Finish(id, std::move(result));
    return;
  }
  Event(op, api::kEventNormal, "Pulled",
        "Successfully pulled image " + base::GoQuote(op.requested) + " in " +
            MillisDuration(now - op.pull_started) + " (" + MillisDuration(now - op.pull_requested) +
            " including waiting). Image size: " + std::to_string(pulled->size) + " bytes.");
  // As the kubelet, a success does not reset the key's back-off: only time does (GC).
  backoff_.GC();
  ForgetOldFailures();
  Finish(id, {pulled->ref, "", ""});
}

void ImageManager::Event(const Op& op, std::string_view type, std::string_view reason,
                         std::string message) {
  recorder_.Record(op.ref, type, reason, std::move(message));
}

void ImageManager::Finish(uint64_t id, ImageResult result, bool later) {
  auto it = ops_.find(id);
  if (it == ops_.end()) return;
  if (later) {
    // Answered without a runtime call: `done` must still run on a later turn (the contract).
    Op& op = *it->second;
    op.later = clock_.NewTimer();
    op.later->Arm(clock_.Now(), [this, id, result = std::move(result)]() mutable {
      Finish(id, std::move(result));
    });
    return;
  }
  Callback done = std::move(it->second->done);
  ops_.erase(it);
  done(std::move(result));
}

void ImageManager::ForgetOldFailures() {
  base::MonoTime now = clock_.Now();
  std::erase_if(failures_, [&](const auto& kv) {
    return now - kv.second.at > 2 * options_.backoff_max;  // the back-off has forgotten it too
  });
}

}  // namespace probelet::kubelet
