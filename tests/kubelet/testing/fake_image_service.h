// FakeImageService: an in-memory runtime::ImageService on a base::Clock, for image manager tests
// on virtual time. A test says which images are present, which pulls fail (and with what
// error), which lookups fail, and how long a pull takes; it reads back the calls made and the
// largest number of pulls that ran at once. Every answer comes from a timer, zero or later,
// never from inside the call (the ImageService contract), so tests drive it with
// VirtualClock::Advance/RunUntilIdle.
//
// Thread safety: single thread. Ownership: the clock must outlive it; destroying it drops the
// callbacks still pending.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "runtime/image_service.h"

namespace probelet::kubelet::testing {

class FakeImageService : public runtime::ImageService {
 public:
  explicit FakeImageService(base::Clock& clock) : clock_(clock) {}

  void ImageStatus(
      const std::string& image,
      std::function<void(base::Expected<std::optional<runtime::ImageInfo>>)> done) override;
  void PullImage(const std::string& image,
                 std::function<void(base::Expected<runtime::ImageInfo>)> done) override;

  // Present images, by the name asked for ("localhost/app:1"). A successful pull adds its
  // image, as {"sha256:<image>", pull_size}.
  std::map<std::string, runtime::ImageInfo> images;
  std::map<std::string, std::string> pull_errors;    // image -> the runtime's error text
  std::map<std::string, std::string> status_errors;  // image -> ImageStatus's error text
  base::Duration pull_time{};                        // how long a pull takes
  std::map<std::string, base::Duration> pull_times;  // image -> its own pull time
  uint64_t pull_size = 1234;

  // What was asked, in order.
  std::vector<std::string> status_calls;
  std::vector<std::string> pull_calls;
  int pulls_running = 0;
  int max_concurrent_pulls = 0;

 private:
  void After(base::Duration delay, std::function<void()> fn);

  base::Clock& clock_;
  uint64_t next_id_ = 0;
  std::map<uint64_t, std::unique_ptr<base::Timer>> timers_;
};

}  // namespace probelet::kubelet::testing
