// Go's strconv.Quote (the %q verb on a string), used where the kubelet's messages quote user
// text, e.g. `command timed out: "/bin/sh -c sleep 10" timed out after 1s` (§5.2.2).
//
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace probelet::base {

// Double quotes around `s`; `"` and `\` escaped; \a \b \f \n \r \t \v for those controls;
// other C0 controls and DEL as \xNN; invalid UTF-8 bytes as \xNN; C1 controls, U+00AD, U+2028/9
// as \uNNNN; other valid UTF-8 (printable) kept as it is. (Go's unicode.IsPrint is
// approximated: only the code points above are treated as non-printable.)
std::string GoQuote(std::string_view s);

}  // namespace probelet::base
