#!/usr/bin/env bash
# Fails when a stage includes a header of a stage after it in the data flow (DESIGN.md):
# base <- api <- probe <- prober <- kubelet <- server <- cli, and runtime uses only base and api;
# proxy (Services), config (manifest sources) and lint use only base and api; only cli wires
# them.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A allowed=(
  [base]="base"
  [api]="base api"
  [probe]="base api probe"
  [prober]="base api probe prober"
  [runtime]="base api runtime"
  [proxy]="base api proxy"
  [config]="base api config"
  [lint]="base api lint"
  [sim]="base api probe prober runtime kubelet sim"
  [kubelet]="base api probe prober runtime kubelet"
  [server]="base api probe prober runtime kubelet server"
  [cli]="base api probe prober runtime kubelet server proxy config lint sim cli"
)
bad=0
for stage in "${!allowed[@]}"; do
  [ -d "src/$stage" ] || continue
  while IFS=: read -r file _ inc; do
    dep=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$inc")
    [ -d "src/$dep" ] || continue
    if [[ " ${allowed[$stage]} " != *" $dep "* ]]; then
      echo "layering: $file includes $dep/ (a later stage): $inc"
      bad=1
    fi
  done < <(grep -Hn '#include "' -r "src/$stage" || true)
done
[ $bad -eq 0 ] && echo "layering: ok"
exit $bad
