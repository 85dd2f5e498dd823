#include "api/expansion.h"

#include <map>

namespace probelet::api {
namespace {

// Go decodes the byte after '$' as a UTF-8 rune; an invalid sequence becomes U+FFFD. Returns the
// length of the sequence at `s` (1 for an invalid byte), and whether it was valid.
size_t Utf8Length(std::string_view s, bool& valid) {
  auto b = static_cast<unsigned char>(s[0]);
  size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  valid = len != 0 && len <= s.size();
  for (size_t i = 1; valid && i < len; ++i) {
    valid = (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  }
  if (valid && len == 2 && b < 0xC2) valid = false;  // overlong
  return valid ? len : 1;
}

}  // namespace

std::string Expand(std::string_view input,
                   const std::function<std::optional<std::string>(std::string_view)>& lookup) {
  std::string out;
  out.reserve(input.size());
  size_t checkpoint = 0;
  for (size_t cursor = 0; cursor < input.size(); ++cursor) {
    if (input[cursor] != '$' || cursor + 1 >= input.size()) continue;
    out.append(input.substr(checkpoint, cursor - checkpoint));
    std::string_view rest = input.substr(cursor + 1);
    if (rest[0] == '$') {  // "$$" -> "$"
      out.push_back('$');
      cursor += 1;
    } else if (rest[0] == '(') {
      size_t close = rest.find(')', 1);
      if (close == std::string_view::npos) {  // no ')' anywhere: copy "$(" and go on
        out.append("$(");
        cursor += 1;
      } else {
        std::string_view name = rest.substr(1, close - 1);
        if (auto value = lookup(name)) {
          out.append(*value);
        } else {
          out.append("$(").append(name).push_back(')');
        }
        cursor += close + 1;
      }
    } else {  // '$' then any other rune: both copied (the rune re-encoded as Go would)
      bool valid;
      size_t len = Utf8Length(rest, valid);
      out.push_back('$');
      if (valid) {
        out.append(rest.substr(0, len));
      } else {
        out.append("\xEF\xBF\xBD");
      }
      cursor += len;
    }
    checkpoint = cursor + 1;
  }
  out.append(input.substr(std::min(checkpoint, input.size())));
  return out;
}

std::vector<std::string> ExpandContainerCommandOnlyStatic(const std::vector<std::string>& command,
                                                          const std::vector<EnvVar>& env) {
  std::map<std::string, std::string, std::less<>> vars;
  for (const auto& e : env) vars[e.name] = e.value;
  auto lookup = [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<std::string> out;
  out.reserve(command.size());
  for (const auto& c : command) out.push_back(Expand(c, lookup));
  return out;
}

}  // namespace probelet::api
