#!/usr/bin/env bash
# `make install` into a throwaway DESTDIR (issue 12 §3): exactly the binaries and the systemd unit
# land there, under PREFIX, with the unit's ExecStart pointing at the installed binary, and
# systemd-analyze (when present) finds nothing wrong with the unit. Uses the binary already in
# build/ (make install-files), so run it after a build.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
[ -x "$build/probelet" ] || { echo "install: $build/probelet missing: build first"; exit 1; }
destdir=$(mktemp -d)
trap 'rm -rf "$destdir"' EXIT
make --no-print-directory -s install-files BUILD="$build" PREFIX=/opt/probelet DESTDIR="$destdir"
want=$'./opt/probelet/bin/probelet\n./opt/probelet/bin/probelet-shim\n./opt/probelet/lib/systemd/system/probelet.service'
got=$(cd "$destdir" && find . -type f | sort)
if [ "$got" != "$want" ]; then
  echo "install: DESTDIR holds:"; echo "$got"; echo "install: expected:"; echo "$want"
  exit 1
fi
unit="$destdir/opt/probelet/lib/systemd/system/probelet.service"
grep -q '^ExecStart=/opt/probelet/bin/probelet run /etc/probelet/manifests ' "$unit" ||
  { echo "install: ExecStart does not name /opt/probelet/bin/probelet"; exit 1; }
grep -q -- '--keep-containers-on-exit' "$unit" ||
  { echo "install: ExecStart does not keep the containers across a restart"; exit 1; }
for key in Type=notify KillMode=process Restart=always LimitNOFILE=65536 WatchdogSec=; do
  grep -q "^$key" "$unit" || { echo "install: the unit has no $key"; exit 1; }
done
"$destdir/opt/probelet/bin/probelet" --help >/dev/null
if command -v systemd-analyze >/dev/null 2>&1; then
  # verify checks that ExecStart's binary exists: a copy of the unit points into DESTDIR.
  mkdir "$destdir/verify"
  sed "s|=/opt/probelet/bin/|=$destdir/opt/probelet/bin/|" "$unit" >"$destdir/verify/probelet.service"
  if ! out=$(systemd-analyze verify "$destdir/verify/probelet.service" 2>&1) || [ -n "$out" ]; then
    echo "install: systemd-analyze verify:"; echo "$out"; exit 1
  fi
fi
echo "install: ok"
