#include "api/quantity.h"

#include <limits>

namespace probelet::api {
namespace {

using Int128 = __int128;
constexpr Int128 kInt64Max = std::numeric_limits<int64_t>::max();
// Significant digits kept exactly (resource.Quantity keeps arbitrary precision, but every
// kubelet reading rounds to an int64 anyway); more are refused as malformed, which no
// real manifest meets ("0.000000001" has one).
constexpr int kMaxDigits = 18;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

struct Suffix {
  int base2 = 0;   // power of 2
  int base10 = 0;  // power of 10
};

// resource.quantitySuffixer.interpret.
bool InterpretSuffix(std::string_view s, Suffix& out) {
  struct Entry {
    std::string_view name;
    Suffix suffix;
  };
  static constexpr Entry kSuffixes[] = {
      {"Ki", {10, 0}}, {"Mi", {20, 0}}, {"Gi", {30, 0}}, {"Ti", {40, 0}},
      {"Pi", {50, 0}}, {"Ei", {60, 0}}, {"n", {0, -9}},  {"u", {0, -6}},
      {"m", {0, -3}},  {"", {0, 0}},    {"k", {0, 3}},   {"M", {0, 6}},
      {"G", {0, 9}},   {"T", {0, 12}},  {"P", {0, 15}},  {"E", {0, 18}},
  };
  for (const auto& e : kSuffixes) {
    if (s == e.name) {
      out = e.suffix;
      return true;
    }
  }
  // Decimal exponent: e<signed int> or E<signed int>.
  if (s.size() >= 2 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view digits = s.substr(1);
    bool negative = false;
    if (digits[0] == '+' || digits[0] == '-') {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (digits.empty() || digits.size() > 4) return false;
    int exponent = 0;
    for (char c : digits) {
      if (!IsDigit(c)) return false;
      exponent = exponent * 10 + (c - '0');
    }
    out = {0, negative ? -exponent : exponent};
    return true;
  }
  return false;
}

// mantissa * 2^base2 * 10^base10 rounded up (or down), for 0 <= mantissa < 10^18 and
// base2 <= 60, saturated at int64's max. The intermediate fits in 128 bits: 2^60 * 2^60, and
// 10^k products stop at kSaturated (2^120), so nothing overflows before the final division.
int64_t Scale(Int128 mantissa, int base2, int base10, bool round_up) {
  constexpr Int128 kSaturated = Int128(1) << 120;
  for (int i = 0; i < base2; ++i) mantissa *= 2;
  for (; base10 > 0 && mantissa < kSaturated; --base10) mantissa *= 10;
  if (base10 > 0) return std::numeric_limits<int64_t>::max();
  if (base10 < 0) {
    if (base10 < -38) return round_up && mantissa != 0 ? 1 : 0;  // 10^39 > 2^127
    Int128 divisor = 1;
    for (; base10 < 0; ++base10) divisor *= 10;
    Int128 q = mantissa / divisor;
    if (round_up && mantissa % divisor != 0) ++q;
    mantissa = q;
  }
  return mantissa > kInt64Max ? std::numeric_limits<int64_t>::max()
                              : static_cast<int64_t>(mantissa);
}

}  // namespace

base::Expected<Quantity> ParseQuantity(std::string_view text) {
  const base::Error format_error{std::string(kQuantityFormatError)};
  std::string_view s = text;
  if (s.empty()) return format_error;
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  // The number: digits with at most one '.', at least one digit.
  Int128 mantissa = 0;
  int digits = 0, fraction_digits = 0, significant = 0;
  bool seen_point = false;
  size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (seen_point) return format_error;
      seen_point = true;
      continue;
    }
    if (!IsDigit(c)) break;
    ++digits;
    if (seen_point) ++fraction_digits;
    if (mantissa == 0 && c == '0') continue;  // leading zeros carry no precision
    if (++significant > kMaxDigits) return format_error;
    mantissa = mantissa * 10 + (c - '0');
  }
  if (digits == 0) return format_error;
  // The suffix: letters, then an optional signed integer (the regular expression's shape).
  std::string_view suffix_text = s.substr(i);
  size_t j = 0;
  while (j < suffix_text.size() &&
         std::string_view("eEinumkKMGTP").find(suffix_text[j]) != std::string_view::npos) {
    ++j;
  }
  if (j < suffix_text.size() && (suffix_text[j] == '+' || suffix_text[j] == '-')) ++j;
  while (j < suffix_text.size() && IsDigit(suffix_text[j])) ++j;
  if (j != suffix_text.size()) return format_error;
  Suffix suffix;
  if (!InterpretSuffix(suffix_text, suffix)) {
    return base::Error{"unable to parse quantity's suffix"};
  }
  int base10 = suffix.base10 - fraction_digits;
  Quantity q;
  q.text = std::string(text);
  // ceil(-x) = -floor(x).
  q.value = negative ? -Scale(mantissa, suffix.base2, base10, false)
                     : Scale(mantissa, suffix.base2, base10, true);
  q.milli_value = negative ? -Scale(mantissa, suffix.base2, base10 + 3, false)
                           : Scale(mantissa, suffix.base2, base10 + 3, true);
  return q;
}

}  // namespace probelet::api
