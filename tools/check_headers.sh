#!/usr/bin/env bash
# Fails when a header under src/ does not compile on its own (STYLE.md 13: every header
# compiles alone), naming the header: a header that leans on what its includer happened to
# include first breaks the next file that includes it in another order.
# Each header is compiled as the only content of a translation unit, with the flags the build
# uses for a .cc file of its stage (from compile_commands.json), two at a time.
#   tools/check_headers.sh              every header under src/ (CI)
#   tools/check_headers.sh src/x/y.h    only those named
# BUILD names the build directory (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
db="$build/compile_commands.json"
[ -f "$db" ] || { echo "headers: no $db"; exit 1; }

# The compile command of one .cc in DIR (a folder under src/), else of one in its stage
# (src/STAGE/), else of any src/ file, without its output and input arguments: a folder with a
# library of its own (runtime/cri) has include paths its stage lacks (generated protos).
flags_for() {
  local stage
  stage=$(cut -d/ -f1-2 <<<"$1")
  jq -r --arg dir "$PWD/$1/" --arg stage "$PWD/$stage/" --arg src "$PWD/src/" '
    ([.[] | select(.file | startswith($dir))] + [.[] | select(.file | startswith($stage))]
     + [.[] | select(.file | startswith($src))])[0]
    | .command' "$db" |
    sed -E 's/ -o [^ ]+//; s/ -c [^ ]+//'
}

if [ $# -gt 0 ]; then
  headers=$(printf '%s\n' "$@")
else
  headers=$(git ls-files --cached --others --exclude-standard 'src/*.h')
fi
jobs=()
for dir in $(xargs -n1 dirname <<<"$headers" | sort -u); do
  cmd=$(flags_for "$dir")
  for h in $(grep "^$dir/[^/]*$" <<<"$headers"); do
    jobs+=("$cmd -fsyntax-only -x c++ -include $PWD/$h /dev/null # $h")
  done
done
# Each job prints its header's name and the compiler's first lines when it fails.
if ! printf '%s\n' "${jobs[@]}" | xargs -P 2 -I{} -d '\n' sh -c '
    h=${1##*# }; out=$(eval "${1% #*}" 2>&1) && exit 0
    echo "headers: $h does not compile alone:"; echo "$out" | head -n 8; exit 1' _ {}; then
  exit 1
fi
echo "headers: ok ($(wc -w <<<"$headers") headers compile alone)"
