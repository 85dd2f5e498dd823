// ImageService: the images of a container runtime, as the kubelet's image manager sees them
// through CRI ImageService (ImageStatus, PullImage). Runtimes without images (the process
// runtime) have none; the kubelet then skips the image step of starting a container.
//
// Threading: as Runtime (runtime.h): the loop's thread; `done` runs on a later turn of the
// loop, never inside the call. Destroying the service cancels pending callbacks.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "base/expected.h"

namespace probelet::runtime {

struct ImageInfo {
  std::string ref;    // the image id, "sha256:<config digest>": what CreateContainer runs
  uint64_t size = 0;  // bytes, as the runtime reports it
};

class ImageService {
 public:
  virtual ~ImageService() = default;

  // The image `image` (as a pod spec names it, e.g. "localhost/app:1") if present; nullopt
  // when it is not; an Error when the runtime could not say.
  virtual void ImageStatus(const std::string& image,
                           std::function<void(base::Expected<std::optional<ImageInfo>>)> done) = 0;
  // Pulls `image` from its registry; the Error carries the runtime's message (no registry,
  // not found, unauthorized, ...).
  virtual void PullImage(const std::string& image,
                         std::function<void(base::Expected<ImageInfo>)> done) = 0;
};

}  // namespace probelet::runtime
