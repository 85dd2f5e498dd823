#include "base/go_duration.h"

#include <cstdint>
#include <utility>

#include "base/go_quote.h"

namespace probelet::base {
namespace {

// Writes v's last `prec` decimal digits as a fraction into the front of `out` (built right to
// left), omitting trailing zeros and the point when the fraction is zero: Go's fmtFrac.
uint64_t FmtFrac(std::string& out, uint64_t v, int prec) {
  bool print = false;
  std::string frac;
  for (int i = 0; i < prec; ++i) {
    int digit = static_cast<int>(v % 10);
    print = print || digit != 0;
    if (print) frac.insert(frac.begin(), static_cast<char>('0' + digit));
    v /= 10;
  }
  if (print) out.insert(0, "." + frac);
  return v;
}

void FmtInt(std::string& out, uint64_t v) { out.insert(0, std::to_string(v)); }

}  // namespace

std::string FormatGoDuration(Duration d) {
  int64_t ns = d.count();
  // Unsigned magnitude, so INT64_MIN works too (as in Go).
  uint64_t u = ns < 0 ? uint64_t{0} - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  std::string out;
  if (u < 1'000'000'000) {
    // Sub-second: one unit, with a fraction (Go: "1.5ms", "500ms", "1.5µs", "12ns").
    if (u == 0) return "0s";
    if (u < 1'000) {
      out = std::to_string(u) + "ns";
    } else if (u < 1'000'000) {
      out = "\u00b5s";
      u = FmtFrac(out, u, 3);
      FmtInt(out, u);
    } else {
      out = "ms";
      u = FmtFrac(out, u, 6);
      FmtInt(out, u);
    }
  } else {
    out = "s";
    u = FmtFrac(out, u, 9);
    FmtInt(out, u % 60);  // integer seconds
    u /= 60;              // minutes
    if (u > 0) {
      out.insert(0, "m");
      FmtInt(out, u % 60);
      u /= 60;  // hours
      if (u > 0) {
        out.insert(0, "h");
        FmtInt(out, u);
      }
    }
  }
  if (ns < 0) out.insert(0, "-");
  return out;
}

Expected<Duration> ParseGoDuration(std::string_view text) {
  const std::string_view orig = text;
  auto invalid = [&] { return Error{"time: invalid duration " + GoQuote(orig)}; };
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  uint64_t d = 0;
  bool neg = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    neg = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return Duration(0);
  if (text.empty()) return invalid();
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  while (!text.empty()) {
    if (!(text[0] == '.' || is_digit(text[0]))) return invalid();
    // [0-9]*
    uint64_t v = 0;
    size_t i = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      if (v > (kLimit - 1) / 10) return invalid();  // overflow
      v = v * 10 + static_cast<uint64_t>(text[i] - '0');
      if (v > kLimit - 1) return invalid();
    }
    bool pre = i > 0;
    text.remove_prefix(i);
    // (\.[0-9]*)?
    uint64_t f = 0;
    double scale = 1;
    bool post = false;
    if (!text.empty() && text[0] == '.') {
      text.remove_prefix(1);
      size_t j = 0;
      bool overflow = false;
      for (; j < text.size() && is_digit(text[j]); ++j) {
        if (overflow) continue;
        if (f > (kLimit - 1) / 10) {  // keep consuming digits, stop accumulating (Go)
          overflow = true;
          continue;
        }
        uint64_t y = f * 10 + static_cast<uint64_t>(text[j] - '0');
        if (y > kLimit) {
          overflow = true;
          continue;
        }
        f = y;
        scale *= 10;
      }
      post = j > 0;
      text.remove_prefix(j);
    }
    if (!pre && !post) return invalid();
    // The unit: up to the next '.' or digit.
    size_t k = 0;
    while (k < text.size() && !(text[k] == '.' || is_digit(text[k]))) ++k;
    if (k == 0) return Error{"time: missing unit in duration " + GoQuote(orig)};
    std::string_view unit_name = text.substr(0, k);
    text.remove_prefix(k);
    uint64_t unit;
    if (unit_name == "ns") {
      unit = 1;
    } else if (unit_name == "us" || unit_name == "\u00b5s" || unit_name == "\u03bcs") {
      unit = 1'000;
    } else if (unit_name == "ms") {
      unit = 1'000'000;
    } else if (unit_name == "s") {
      unit = 1'000'000'000;
    } else if (unit_name == "m") {
      unit = 60'000'000'000;
    } else if (unit_name == "h") {
      unit = 3'600'000'000'000;
    } else {
      return Error{"time: unknown unit " + GoQuote(unit_name) + " in duration " + GoQuote(orig)};
    }
    if (v > kLimit / unit) return invalid();
    v *= unit;
    if (f > 0) {
      v += static_cast<uint64_t>(static_cast<double>(f) * (static_cast<double>(unit) / scale));
      if (v > kLimit) return invalid();
    }
    d += v;
    if (d > kLimit) return invalid();
  }
  if (neg) return Duration(static_cast<int64_t>(uint64_t{0} - d));
  if (d > kLimit - 1) return invalid();
  return Duration(static_cast<int64_t>(d));
}

}  // namespace probelet::base
