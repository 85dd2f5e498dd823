// Go's time.Duration text form, both ways: Format is Duration.String() ("1s", "500ms", "1m0s",
// "1h2m3.5s", "1.5µs"), which the kubelet prints in probe outputs (§5.2.2 "timed out after 1s",
// §5.5.5 "within 1s"); Parse is time.ParseDuration, which `probelet probe --timeout` accepts
// ("500ms", "1s", "2m", "1h30m", "1.5s").
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/expected.h"

namespace probelet::base {

// Exactly Go's Duration.String(), including "0s" and the "µs" (U+00B5) unit.
std::string FormatGoDuration(Duration d);

// Go's time.ParseDuration: [-+]? then one or more <decimal number><unit>, units ns, us, µs,
// μs, ms, s, m, h; "0" alone is allowed. Errors carry Go's messages, e.g.
// `time: invalid duration "abc"`, `time: missing unit in duration "1"`,
// `time: unknown unit "x" in duration "1x"`.
Expected<Duration> ParseGoDuration(std::string_view text);

}  // namespace probelet::base
