#include "api/manifest_parser.h"

#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

namespace probelet::api {
namespace {

using nlohmann::json;

// Thrown from inside the event handler to stop yaml-cpp at once (it offers no other way);
// caught in ParseYaml, never escapes this file.
struct StopParsing {
  std::string message;
};

std::string Where(const YAML::Mark& mark) {
  if (mark.is_null()) return "";
  return "line " + std::to_string(mark.line + 1) + ", column " + std::to_string(mark.column + 1);
}

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (auto o : options) {
    if (s == o) return true;
  }
  return false;
}

// Integer forms go-yaml v2 accepts (strconv.ParseInt with base 0 after removing '_').
std::optional<json> ResolveInteger(std::string_view s) {
  std::string digits;
  for (char c : s) {
    if (c != '_') digits.push_back(c);
  }
  if (digits.empty()) return std::nullopt;
  size_t pos = 0;
  bool negative = false;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    pos = 1;
  }
  int base = 10;
  if (digits.size() > pos + 1 && digits[pos] == '0') {
    char p = digits[pos + 1];
    if (p == 'x' || p == 'X') {
      base = 16, pos += 2;
    } else if (p == 'b' || p == 'B') {
      base = 2, pos += 2;
    } else if (p == 'o' || p == 'O') {
      base = 8, pos += 2;
    } else {
      base = 8, pos += 1;
    }
  }
  if (pos >= digits.size()) return std::nullopt;
  unsigned __int128 value = 0;
  for (size_t i = pos; i < digits.size(); ++i) {
    char c = digits[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : 99;
    if (d >= base) return std::nullopt;
    value = value * base + d;
    if (value > (static_cast<unsigned __int128>(1) << 64)) return std::nullopt;  // to float
  }
  if (negative) {
    if (value > static_cast<unsigned __int128>(1) << 63) return std::nullopt;
    return json(static_cast<int64_t>(-static_cast<__int128>(value)));
  }
  if (value <= static_cast<unsigned __int128>(INT64_MAX)) return json(static_cast<int64_t>(value));
  if (value <= static_cast<unsigned __int128>(UINT64_MAX))
    return json(static_cast<uint64_t>(value));
  return std::nullopt;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
std::optional<json> ResolveFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
    ++i, ++int_digits;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
      ++i, ++frac_digits;
    }
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string clean;
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  errno = 0;
  double d = std::strtod(clean.c_str(), nullptr);
  return json(d);
}

// The value of a plain (unquoted, untagged) scalar, as go-yaml v2 resolves it.
json ResolvePlain(const std::string& s) {
  if (IsOneOf(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) {
    return true;
  }
  if (IsOneOf(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) {
    return false;
  }
  if (IsOneOf(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (IsOneOf(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return std::numeric_limits<double>::infinity();
  }
  if (IsOneOf(s, {"-.inf", "-.Inf", "-.INF"})) return -std::numeric_limits<double>::infinity();
  if (IsOneOf(s, {".nan", ".NaN", ".NAN"})) return std::numeric_limits<double>::quiet_NaN();
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
    if (auto i = ResolveInteger(s)) return *i;
    if (auto f = ResolveFloat(s)) return *f;
  }
  return s;
}

// Builds JSON values from yaml-cpp's parse events, with the limits of ParseLimits.
class JsonBuilder : public YAML::EventHandler {
 public:
  JsonBuilder(const ParseLimits& limits, std::vector<std::string>& warnings)
      : limits_(limits), warnings_(warnings) {}

  // The document just parsed, or nullopt when it was empty.
  std::optional<json> TakeDocument() { return std::exchange(document_, std::nullopt); }
  int document_line() const { return document_line_; }

  void OnDocumentStart(const YAML::Mark& mark) override {
    document_line_ = mark.line + 1;
    document_.reset();
    stack_.clear();
    anchors_.clear();  // anchors do not cross documents
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Progress(mark);
    if (AwaitingKey()) Stop(mark, "a null mapping key is not supported");
    Add(mark, json(), anchor, 1, 0);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Progress(mark);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) Stop(mark, "unknown alias");
    if (AwaitingKey()) Stop(mark, "an alias as a mapping key is not supported");
    const Anchored& a = it->second;
    // The copy is what an alias bomb multiplies: count it before making it.
    Count(mark, a.nodes, a.bytes);
    Add(mark, a.value, 0, 0, 0);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    Progress(mark);
    if (AwaitingKey()) {
      Count(mark, 1, value.size());
      Frame& f = stack_.back();
      f.key = value;
      f.key_is_merge = tag == "?" && value == "<<";
      if (anchor != 0) {
        Count(mark, 1, value.size());
        anchors_[anchor] = Anchored{json(value), 1, value.size()};
      }
      return;
    }
    json v;
    if (tag == "?") {
      v = ResolvePlain(value);
    } else if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float") {
      auto n = ResolveInteger(value);
      if (!n) n = ResolveFloat(value);
      if (!n) Stop(mark, "invalid number \"" + value.substr(0, 40) + "\" for tag " + tag);
      v = *n;
    } else if (tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      v = ResolvePlain(value);
      if (tag.ends_with("bool") && !v.is_boolean()) Stop(mark, "invalid boolean for !!bool");
      if (tag.ends_with("null") && !v.is_null()) Stop(mark, "invalid null for !!null");
    } else {
      v = value;  // quoted, block scalar, !!str, or a custom tag: text
    }
    Add(mark, std::move(v), anchor, 1, value.size());
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Progress(mark);
    Open(mark, json::array(), anchor);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Progress(mark);
    Open(mark, json::object(), anchor);
  }
  void OnMapEnd() override {
    Frame& f = stack_.back();
    // `<<: *base` (or a list of them): keys not set explicitly come from the merged maps, the
    // earlier ones first, as go-yaml does.
    for (const json& m : f.merges) {
      for (auto it = m.begin(); it != m.end(); ++it) {
        if (!f.value.contains(it.key())) f.value[it.key()] = it.value();
      }
    }
    Close();
  }

 private:
  struct Frame {
    json value;
    YAML::anchor_t anchor = 0;
    size_t nodes_at_start = 0;
    size_t bytes_at_start = 0;
    YAML::Mark mark;
    std::optional<std::string> key;  // maps: the key waiting for its value
    bool key_is_merge = false;
    std::vector<json> merges;
  };
  struct Anchored {
    json value;
    size_t nodes = 0;
    size_t bytes = 0;
  };

  [[noreturn]] void Stop(const YAML::Mark& mark, std::string message) {
    std::string where = Where(mark);
    throw StopParsing{where.empty() ? message : where + ": " + message};
  }

  // yaml-cpp 0.7 can loop forever on some malformed flow collections (found by the fuzzer:
  // `{"a": "b"},` then more lines emits null events at the same position without end). Real
  // documents move forward; a long run of events at one position is that loop.
  void Progress(const YAML::Mark& mark) {
    if (mark.pos == last_pos_) {
      if (++events_at_pos_ > kMaxEventsAtOnePosition) {
        Stop(mark, "the YAML parser stopped making progress here (malformed flow collection?)");
      }
    } else {
      last_pos_ = mark.pos;
      events_at_pos_ = 0;
    }
  }

  bool AwaitingKey() const {
    return !stack_.empty() && stack_.back().value.is_object() && !stack_.back().key;
  }

  void Count(const YAML::Mark& mark, size_t nodes, size_t bytes) {
    nodes_ += nodes;
    bytes_ += bytes;
    if (nodes_ > limits_.max_nodes) {
      Stop(mark, "too many values (more than " + std::to_string(limits_.max_nodes) +
                     " after expanding aliases)");
    }
    if (bytes_ > limits_.max_bytes_expanded) {
      Stop(mark, "too much text (more than " + std::to_string(limits_.max_bytes_expanded) +
                     " bytes after expanding aliases)");
    }
  }

  void Open(const YAML::Mark& mark, json value, YAML::anchor_t anchor) {
    if (AwaitingKey()) Stop(mark, "a mapping or list as a mapping key is not supported");
    if (stack_.size() >= limits_.max_depth) {
      Stop(mark, "nested too deeply (more than " + std::to_string(limits_.max_depth) + " levels)");
    }
    Count(mark, 1, 0);
    Frame f;
    f.value = std::move(value);
    f.anchor = anchor;
    f.nodes_at_start = nodes_ - 1;
    f.bytes_at_start = bytes_;
    f.mark = mark;
    stack_.push_back(std::move(f));
  }

  void Close() {
    Frame f = std::move(stack_.back());
    stack_.pop_back();
    size_t nodes = nodes_ - f.nodes_at_start;
    size_t bytes = bytes_ - f.bytes_at_start;
    Add(f.mark, std::move(f.value), f.anchor, 0, 0, nodes, bytes);
  }

  // Places a finished value into its parent (or makes it the document). `count_*` are charged
  // now (scalars); `total_*` is the value's whole size, recorded with its anchor.
  void Add(const YAML::Mark& mark, json value, YAML::anchor_t anchor, size_t count_nodes,
           size_t count_bytes, size_t total_nodes = 0, size_t total_bytes = 0) {
    if (count_nodes || count_bytes) Count(mark, count_nodes, count_bytes);
    if (anchor != 0) {
      // The anchor keeps its own copy: charge it too, or anchors nested in anchors would
      // multiply memory by the depth without being counted.
      size_t nodes = std::max(total_nodes, count_nodes), bytes = std::max(total_bytes, count_bytes);
      Count(mark, nodes, bytes);
      anchors_[anchor] = Anchored{value, nodes, bytes};
    }
    if (stack_.empty()) {
      document_ = std::move(value);
      return;
    }
    Frame& parent = stack_.back();
    if (parent.value.is_array()) {
      parent.value.push_back(std::move(value));
      return;
    }
    std::string key = std::move(*parent.key);
    parent.key.reset();
    if (parent.key_is_merge) {
      parent.key_is_merge = false;
      if (value.is_object()) {
        parent.merges.push_back(std::move(value));
      } else if (value.is_array()) {
        for (auto& m : value) {
          if (!m.is_object()) Stop(mark, "a merge key (<<) takes a mapping or a list of mappings");
          parent.merges.push_back(std::move(m));
        }
      } else {
        Stop(mark, "a merge key (<<) takes a mapping or a list of mappings");
      }
      return;
    }
    if (parent.value.contains(key)) {
      warnings_.push_back(Where(mark) + ": duplicate key \"" + key.substr(0, 100) +
                          "\": the last value is used");
    }
    parent.value[key] = std::move(value);
  }

  const ParseLimits& limits_;
  std::vector<std::string>& warnings_;
  std::vector<Frame> stack_;
  std::unordered_map<YAML::anchor_t, Anchored> anchors_;
  std::optional<json> document_;
  int document_line_ = 1;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
  int last_pos_ = -1;
  int events_at_pos_ = 0;
  static constexpr int kMaxEventsAtOnePosition = 1000;
};

base::Expected<ParsedManifest> ParseYaml(std::string_view text, const ParseLimits& limits) {
  ParsedManifest out;
  std::istringstream in{std::string(text)};
  JsonBuilder builder(limits, out.warnings);
  try {
    YAML::Parser parser(in);
    while (parser.HandleNextDocument(builder)) {
      std::optional<json> doc = builder.TakeDocument();
      if (!doc || doc->is_null()) continue;
      if (out.documents.size() >= limits.max_objects) {
        return base::Error{"too many documents (more than " + std::to_string(limits.max_objects) +
                           ")"};
      }
      out.documents.push_back(ParsedDocument{std::move(*doc), builder.document_line()});
    }
  } catch (const StopParsing& stop) {
    return base::Error{stop.message};
  } catch (const YAML::DeepRecursion& e) {
    return base::Error{Where(e.mark) + ": nested too deeply"};
  } catch (const YAML::Exception& e) {
    std::string where = Where(e.mark);
    return base::Error{where.empty() ? e.msg : where + ": " + e.msg};
  } catch (const std::exception& e) {
    return base::Error{std::string("cannot parse YAML: ") + e.what()};
  }
  return out;
}

base::Expected<ParsedManifest> ParseJson(std::string_view text, const ParseLimits& limits) {
  // nlohmann's parser is iterative, but other operations on a value recurse: bound the depth
  // before parsing, with a scan that knows strings.
  size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > limits.max_depth) {
        return base::Error{"nested too deeply (more than " + std::to_string(limits.max_depth) +
                           " levels)"};
      }
    } else if (c == '}' || c == ']') {
      if (depth > 0) --depth;
    }
  }
  ParsedManifest out;
  // nlohmann keeps the last of duplicate keys silently; say so, as the YAML side does, since a
  // dropped duplicate may be a probe. One key set per open object (the depth is bounded above).
  std::vector<std::set<std::string>> keys;
  auto callback = [&](int, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == json::parse_event_t::object_end) {
      if (!keys.empty()) keys.pop_back();
    } else if (event == json::parse_event_t::key && !keys.empty() && parsed.is_string()) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys.back().insert(key).second) {
        out.warnings.push_back("duplicate key \"" + key.substr(0, 100) +
                               "\" in a JSON object: the last value is used");
      }
    }
    return true;
  };
  try {
    json value = json::parse(text, callback);
    if (!value.is_null()) out.documents.push_back(ParsedDocument{std::move(value), 1});
  } catch (const json::exception& e) {
    return base::Error{e.what()};
  }
  return out;
}

}  // namespace

base::Expected<ParsedManifest> ParseManifest(std::string_view text, ManifestFormat format,
                                             const ParseLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return base::Error{"too large (" + std::to_string(text.size()) + " bytes; the limit is " +
                       std::to_string(limits.max_bytes) + ")"};
  }
  return format == ManifestFormat::kJson ? ParseJson(text, limits) : ParseYaml(text, limits);
}

}  // namespace probelet::api
