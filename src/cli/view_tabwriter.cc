#include "cli/view_tabwriter.h"

#include <vector>

namespace probelet::cli {
namespace {

size_t Utf8Width(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

struct Formatter {
  std::vector<std::vector<std::string_view>> lines;  // cells; the last one is not aligned
  size_t min_width;
  size_t padding;
  std::vector<size_t> widths;
  std::string out;

  void WriteLines(size_t line0, size_t line1) {
    for (size_t i = line0; i < line1; ++i) {
      const auto& line = lines[i];
      for (size_t j = 0; j < line.size(); ++j) {
        out.append(line[j]);
        if (j < widths.size()) {
          size_t w = Utf8Width(line[j]);
          if (w < widths[j]) out.append(widths[j] - w, ' ');
        }
      }
      out.push_back('\n');
    }
  }

  // tabwriter's format(): recursive over columns, one block of lines at a time.
  void Format(size_t line0, size_t line1) {
    size_t column = widths.size();
    for (size_t i = line0; i < line1; ++i) {
      if (column + 1 >= lines[i].size()) continue;
      WriteLines(line0, i);
      line0 = i;
      size_t width = min_width;
      for (; i < line1 && column + 1 < lines[i].size(); ++i) {
        size_t w = Utf8Width(lines[i][column]) + padding;
        if (w > width) width = w;
      }
      widths.push_back(width);
      Format(line0, i);
      widths.pop_back();
      line0 = i;
      if (i == line1) break;
    }
    WriteLines(line0, line1);
  }
};

}  // namespace

std::string TabFormat(std::string_view text, size_t min_width, size_t padding) {
  Formatter f;
  f.min_width = min_width;
  f.padding = padding;
  bool trailing_newline = !text.empty() && text.back() == '\n';
  if (trailing_newline) text.remove_suffix(1);
  if (text.empty() && !trailing_newline) return "";
  while (true) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    std::vector<std::string_view> cells;
    while (true) {
      size_t tab = line.find('\t');
      cells.push_back(line.substr(0, tab));
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    f.lines.push_back(std::move(cells));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  f.Format(0, f.lines.size());
  if (!trailing_newline && !f.out.empty()) f.out.pop_back();
  return f.out;
}

}  // namespace probelet::cli
