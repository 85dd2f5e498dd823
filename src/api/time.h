// api::Time: a v1 timestamp (metav1.Time), wall-clock with nanosecond precision. The JSON form
// is RFC 3339 in UTC, seconds precision ("2026-11-28T08:15:50Z"), as the API server writes it.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace probelet::api {

using Time = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;

// "2026-11-28T08:15:50Z"
std::string FormatRFC3339(Time t);
// "2026-11-28T08:15:50.123456Z" (microseconds, truncated; the probe history's timestamps)
std::string FormatRFC3339Micro(Time t);
// "2026-11-28T08:15:50.123456789Z" (trailing zeros kept; used in CRI log lines)
std::string FormatRFC3339Nano(Time t);
// Accepts RFC 3339 with optional fraction and a Z or +hh:mm offset; nullopt if malformed.
std::optional<Time> ParseRFC3339(std::string_view s);

}  // namespace probelet::api
