#include "api/time.h"

#include <cstdio>
#include <ctime>
#include <limits>

namespace probelet::api {
namespace {

// digits: 0 (none), 6 (microseconds) or 9 (nanoseconds), trailing zeros kept.
std::string FormatWithFraction(Time t, int digits) {
  auto secs = std::chrono::floor<std::chrono::seconds>(t);
  auto ns = (t - secs).count();
  std::time_t tt = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(secs));
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  if (digits == 9)
    n += std::snprintf(buf + n, sizeof buf - n, ".%09lld", static_cast<long long>(ns));
  if (digits == 6) {
    n += std::snprintf(buf + n, sizeof buf - n, ".%06lld", static_cast<long long>(ns / 1000));
  }
  buf[n++] = 'Z';
  return std::string(buf, n);
}

}  // namespace

std::string FormatRFC3339(Time t) { return FormatWithFraction(t, 0); }
std::string FormatRFC3339Micro(Time t) { return FormatWithFraction(t, 6); }
std::string FormatRFC3339Nano(Time t) { return FormatWithFraction(t, 9); }

std::optional<Time> ParseRFC3339(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)
  auto digits = [&](size_t pos, size_t len, int& out) {
    if (pos + len > s.size()) return false;
    out = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y, mo, d, h, mi, se;
  if (!digits(0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(5, 2, mo) || s[7] != '-' ||
      !digits(8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(11, 2, h) || s[13] != ':' ||
      !digits(14, 2, mi) || s[16] != ':' || !digits(17, 2, se)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t pos = 19;
  int64_t frac_ns = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int64_t scale = 100'000'000;
    size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac_ns += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (!digits(pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(pos + 4, 2, om)) {
      return std::nullopt;
    }
    offset_min = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  if (!ymd.ok()) return std::nullopt;
  // Time counts nanoseconds in 64 bits (years 1678-2262): refuse what it cannot hold rather
  // than overflow (found by the manifest fuzzer with year 1014).
  int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - int64_t{offset_min} * 60;
  constexpr int64_t kMaxSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (secs > kMaxSeconds || secs < -kMaxSeconds) return std::nullopt;
  return Time(std::chrono::nanoseconds(secs * 1'000'000'000 + frac_ns));
}

}  // namespace probelet::api
