// Quantity: a v1 resource quantity ("500m", "0.5", "64Mi", "1G", "1e6"), as
// k8s.io/apimachinery/pkg/api/resource parses it (ParseQuantity):
//
//   <quantity> ::= <sign><digits>[.<digits>]<suffix>
//   <suffix>   ::= Ki | Mi | Gi | Ti | Pi | Ei            (powers of 1024)
//                | n | u | m | "" | k | M | G | T | P | E  (powers of 1000)
//                | e<signed int> | E<signed int>          (powers of 10)
//
// Only the two readings the kubelet takes of a quantity are kept, computed once at parse time:
// Value() = ceil(q) and MilliValue() = ceil(q * 1000), saturated to int64 (as resource.Quantity
// does for the sizes a node can have). The text is kept as written, and is what the API
// encodes back (the API server would write the canonical form, e.g. "0.5" as "500m").
//
// Value type; pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/expected.h"

namespace probelet::api {

struct Quantity {
  std::string text;         // as written in the manifest
  int64_t value = 0;        // ceil(q): bytes for memory, whole cpus for cpu
  int64_t milli_value = 0;  // ceil(q * 1000): millicpus for cpu
  bool IsZero() const { return milli_value == 0; }
  friend bool operator==(const Quantity&, const Quantity&) = default;
};

// resource.ErrFormatWrong's message, which the API server returns for a malformed quantity.
inline constexpr std::string_view kQuantityFormatError =
    "quantities must match the regular expression "
    "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

// The quantity `text` means, or an Error whose message is kQuantityFormatError or "unable to
// parse quantity's suffix" (resource.ErrSuffix), as the API server rejects it.
base::Expected<Quantity> ParseQuantity(std::string_view text);

}  // namespace probelet::api
