#include "kubelet/testing/fake_image_service.h"

#include <algorithm>
#include <utility>

namespace probelet::kubelet::testing {

void FakeImageService::ImageStatus(
    const std::string& image,
    std::function<void(base::Expected<std::optional<runtime::ImageInfo>>)> done) {
  status_calls.push_back(image);
  base::Expected<std::optional<runtime::ImageInfo>> result = std::optional<runtime::ImageInfo>();
  if (auto e = status_errors.find(image); e != status_errors.end()) {
    result = base::Error{e->second};
  } else if (auto i = images.find(image); i != images.end()) {
    result = std::optional<runtime::ImageInfo>(i->second);
  }
  After(base::Duration::zero(), [done = std::move(done), result = std::move(result)]() mutable {
    done(std::move(result));
  });
}

void FakeImageService::PullImage(const std::string& image,
                                 std::function<void(base::Expected<runtime::ImageInfo>)> done) {
  pull_calls.push_back(image);
  max_concurrent_pulls = std::max(max_concurrent_pulls, ++pulls_running);
  auto t = pull_times.find(image);
  After(t != pull_times.end() ? t->second : pull_time, [this, image, done = std::move(done)] {
    --pulls_running;
    if (auto e = pull_errors.find(image); e != pull_errors.end()) {
      done(base::Error{e->second});
      return;
    }
    runtime::ImageInfo info{"sha256:" + image, pull_size};
    images[image] = info;
    done(info);
  });
}

void FakeImageService::After(base::Duration delay, std::function<void()> fn) {
  uint64_t id = next_id_++;
  auto& timer = timers_[id] = clock_.NewTimer();
  timer->Arm(clock_.Now() + delay, [this, id, fn = std::move(fn)] {
    auto self = std::move(timers_[id]);  // the timer goes once its callback has run
    timers_.erase(id);
    fn();
  });
}

}  // namespace probelet::kubelet::testing
