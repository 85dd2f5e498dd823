#!/usr/bin/env bash
# Builds the manifest decoder's libFuzzer target with clang (-fsanitize=fuzzer,address,
# undefined) in its own build directory and runs it for SECONDS (default 60), seeded from
# tests/api/testdata (the corpus it grows is kept in build-fuzz-api/corpus between runs).
# Exit status 0 when nothing was found; otherwise libFuzzer's, with the input that failed left
# in build-fuzz-api/ as crash-*, leak-*, timeout-* or oom-*.
#   tools/fuzz_api.sh 60
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${FUZZ_BUILD_DIR:-build-fuzz-api}
mkdir -p "$out/obj" "$out/corpus"
flags=(-std=c++20 -O1 -g -fno-omit-frame-pointer -Isrc
       -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined)
objs=()
base_objs=()
running=0
# The api stage and the fuzzer are linked whole; base goes into an archive so that only the
# members the api stage uses are linked (a new base dependency of api needs no edit here).
for src in src/api/*.cc src/base/*.cc fuzz/manifest_fuzzer.cc; do
  obj="$out/obj/$(basename "${src%.cc}").o"
  case "$src" in
    src/base/*) obj="$out/obj/base_$(basename "${src%.cc}").o"; base_objs+=("$obj") ;;
    *) objs+=("$obj") ;;
  esac
  # Rebuild when the source or any api/base header is newer than the object.
  if [ -f "$obj" ] && [ ! "$src" -nt "$obj" ] &&
     [ -z "$(find src/api src/base -name '*.h' -newer "$obj" -print -quit)" ]; then
    continue
  fi
  echo "  CXX $src"
  clang++ "${flags[@]}" -c "$src" -o "$obj" &
  running=$((running + 1))
  if [ $running -ge 2 ]; then wait -n; running=$((running - 1)); fi  # the machine is shared
done
while [ $running -gt 0 ]; do wait -n; running=$((running - 1)); done
rm -f "$out/base.a"
ar rcs "$out/base.a" "${base_objs[@]}"
clang++ -fsanitize=fuzzer,address,undefined "${objs[@]}" "$out/base.a" -lyaml-cpp -lfmt \
  -o "$out/manifest_fuzzer"
echo "  running $out/manifest_fuzzer for ${seconds}s"
exec "$out/manifest_fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$out/" -dict=fuzz/manifest.dict \
  "$out/corpus" tests/api/testdata
