// libfmt-dev ships no static library: compile the one non-inline part probelet uses here.
#include <fmt/format-inl.h>
FMT_BEGIN_NAMESPACE
namespace detail {
template auto thousands_sep_impl(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
