#!/usr/bin/env bash
# Fails when a source file outgrows its size budget (STYLE.md 15): 600 lines for src/, bench/
# and fuzz/, 1,000 for tests/ (test files split by concern before then). A long file is where a
# second concept hides; splitting it along its seams keeps one concept per file. A file may stay
# over budget only when tools/size_budget_allowlist.txt lists it with a reason; an entry for a
# file that is back under budget (or gone) fails too, so the list never outlives its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
allowlist=tools/size_budget_allowlist.txt
declare -A reason=()
while read -r path why; do
  [[ -z "$path" || "$path" == \#* ]] && continue
  if [ -z "$why" ]; then echo "size: $allowlist: $path has no reason"; exit 1; fi
  reason[$path]=$why
done <"$allowlist"

# Tracked files and new ones not yet added, so that the check also works before a commit.
files=$(git ls-files --cached --others --exclude-standard -- 'src/*.h' 'src/*.cc' 'tests/*.h' \
  'tests/*.cc' 'bench/*.h' 'bench/*.cc' 'fuzz/*.h' 'fuzz/*.cc')
bad=0
while read -r lines path; do
  budget=600
  [[ "$path" == tests/* ]] && budget=1000
  if [ -n "${reason[$path]:-}" ]; then
    if [ "$lines" -le "$budget" ]; then
      echo "size: $path is within its budget ($lines <= $budget): remove it from $allowlist"
      bad=1
    fi
    unset "reason[$path]"
  elif [ "$lines" -gt "$budget" ]; then
    echo "size: $path has $lines lines, over its budget of $budget: split it along its seams"
    bad=1
  fi
done < <(xargs wc -l <<<"$files" | grep -v ' total$')
for path in "${!reason[@]}"; do
  echo "size: $allowlist lists $path, which is not a source file: remove it"
  bad=1
done
[ $bad -eq 0 ] && echo "size: ok"
exit $bad
