// Go's text/tabwriter, as kubectl uses it to align `get` tables and `describe` output, so the
// CLI views line up exactly as kubectl's do. Input: lines of tab-terminated cells; the text
// after a line's last tab is not aligned. Consecutive lines that have a cell in a column form
// a block whose width is the widest cell plus `padding` (at least `min_width`); a line with
// fewer cells ends the block (tabwriter's format()). Widths count UTF-8 code points.
//
// Pure function; any thread.
#pragma once

#include <string>
#include <string_view>

namespace probelet::cli {

std::string TabFormat(std::string_view text, size_t min_width, size_t padding);

// kubectl get: tabwriter.NewWriter(out, 6, 4, 3, ' ', 0).
inline std::string FormatGetTable(std::string_view text) { return TabFormat(text, 6, 3); }
// kubectl describe: tabwriter.NewWriter(out, 0, 8, 2, ' ', 0).
inline std::string FormatDescribe(std::string_view text) { return TabFormat(text, 0, 2); }

}  // namespace probelet::cli
