#include "cli/view_probes.h"

#include <fmt/format.h>

#include "cli/view_tabwriter.h"
#include "server/table_printers.h"

namespace probelet::cli {
namespace {

using nlohmann::json;

std::string Str(const json& j, const char* key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

std::string Title(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

constexpr size_t kTableOutput = 60;
constexpr size_t kDescribeOutput = 80;

}  // namespace

std::string OneLine(std::string_view output, size_t max) {
  std::string out;
  size_t points = 0;
  for (size_t i = 0; i < output.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(output[i]);
    if ((c & 0xC0) != 0x80) {  // a code point starts here
      if (points == max) {
        // Cut: drop the last code points so "..." fits.
        for (int k = 0; k < 3 && !out.empty(); ++k) {
          while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) {
            out.pop_back();
          }
          out.pop_back();
        }
        return out + "...";
      }
      ++points;
    }
    out += c == '\n' || c == '\r' || c == '\t' ? ' ' : static_cast<char>(c);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string ProbesTable(const json& workers, api::Time now, bool with_namespace) {
  std::string text = with_namespace ? "NAMESPACE\t" : "";
  text += "POD\tCONTAINER\tTYPE\tRESULT\tSTATE\tLAST PROBE\tLAST RESULT\tOUTPUT\n";
  for (const json& w : workers) {
    const json& pod = w.value("pod", json::object());
    const json& last = w.value("lastAttempt", json());
    std::string age = "<none>", last_result = "<none>", output;
    if (last.is_object()) {
      age = server::TimestampSince(api::ParseRFC3339(Str(last, "start")), now);
      last_result = Str(last, "result");
      if (last.value("discarded", false)) last_result += " (discarded)";
      output = OneLine(Str(last, "output"), kTableOutput);
    }
    if (with_namespace) text += Str(pod, "namespace") + "\t";
    const json& result = w.value("result", json());
    text += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", Str(pod, "name"), Str(w, "container"),
                        Str(w, "type"), result.is_string() ? result.get<std::string>() : "<none>",
                        Str(w, "threshold"), age, last_result, output);
  }
  return FormatGetTable(text);
}

std::string ProbeHistoryText(const json& workers, std::string_view container) {
  std::string text;
  if (!workers.is_array()) return text;
  for (const json& w : workers) {
    if (Str(w, "container") != container) continue;
    const json& attempts = w.value("attempts", json::array());
    if (!attempts.is_array() || attempts.empty()) continue;
    // The title has no tab: it ends the container's aligned block above, which so stays as
    // kubectl aligns it.
    text += fmt::format("    {} History (last {} of {}):\n", Title(Str(w, "type")), attempts.size(),
                        w.value("attemptsTotal", 0));
    text += "      Start\tDuration\tResult\tState\tCached\tOutput\n";
    for (const json& a : attempts) {
      std::string result = Str(a, "result");
      if (a.value("discarded", false)) result += " (discarded)";
      std::string cached = Str(a, "cachedResult");
      if (a.value("changed", false)) cached += " (changed)";
      text +=
          fmt::format("      {}\t{}\t{}\t{}\t{}\t{}\n", Str(a, "start"), Str(a, "duration"), result,
                      Str(a, "threshold"), cached, OneLine(Str(a, "output"), kDescribeOutput));
    }
  }
  return text;
}

}  // namespace probelet::cli
