#!/usr/bin/env bash
# Fails when a name breaks the naming scheme of STYLE.md 14 (Google style, configured in
# .clang-tidy: readability-identifier-naming), so that the scheme is kept by a tool rather than
# by review. Runs clang-tidy with the build's compile_commands.json on every .cc file under src/
# (headers under src/ are checked through them), two at a time: the machine has two cores.
#   tools/check_tidy.sh            all of src/ (CI)
#   tools/check_tidy.sh BASE       only the .cc files changed since git ref BASE, and the .cc
#                                  beside each changed header (a quick check before a commit)
# BUILD names the build directory (default build); it must have been built, for the generated
# gRPC headers.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
[ -f "$build/compile_commands.json" ] || { echo "tidy: no $build/compile_commands.json"; exit 1; }
if [ $# -gt 0 ]; then
  # Changed since where this branch left BASE, committed or not, and new files.
  base=$(git merge-base "$1" HEAD)
  files=$( { git diff --name-only --diff-filter=d "$base" -- 'src/*.cc' 'src/*.h'
             git ls-files --others --exclude-standard -- 'src/*.cc' 'src/*.h'; } |
    sed 's/\.h$/.cc/' | sort -u | while read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done)
else
  files=$(git ls-files --cached --others --exclude-standard 'src/*.cc')
fi
[ -n "$files" ] || { echo "tidy: no files to check"; exit 0; }
# Only naming findings fail: g++ is the build's compiler and judges the code. clang 14 rejects
# some C++20 that g++ 12 accepts (lambdas capturing structured bindings); -w quiets its
# warnings, and its errors only cost the naming check of what it could not parse.
out=$(xargs -P 2 -n 4 clang-tidy -p "$build" --quiet --extra-arg=-w <<<"$files" 2>&1 || true)
if grep -q -E '\[(readability|bugprone)-' <<<"$out"; then
  grep -A 3 -E '\[(readability|bugprone)-' <<<"$out"
  echo "tidy: findings above (names: .clang-tidy, STYLE.md 14)"
  exit 1
fi
echo "tidy: ok ($(wc -w <<<"$files") files)"
