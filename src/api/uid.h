// UidGenerator: random UUID v4 strings for metadata.uid, as the API server assigns them when a
// manifest has none (the kubelet keys pods, containers and probe workers by this uid).
//
// The random source is owned by the generator and seeded by its creator: tests pass a fixed
// seed and get the same uids every run; `probelet run` seeds from std::random_device. No global
// state. Not thread-safe: one generator per loader.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace probelet::api {

class UidGenerator {
 public:
  explicit UidGenerator(uint64_t seed) : rng_(seed) {}
  // Seeded from std::random_device (for production use).
  static UidGenerator FromRandomDevice();

  // "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", lowercase hex, y in 8..b (RFC 4122 version 4).
  std::string NewUid();

 private:
  std::mt19937_64 rng_;
};

}  // namespace probelet::api
