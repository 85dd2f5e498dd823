#!/usr/bin/env bash
# CI's extra checks after the test suites: the manifest decoder's fuzzer for a bounded time
# (issue 3: about 60 s). A finding fails CI, with the input left in build-fuzz-api/.
set -euo pipefail
cd "$(dirname "$0")/.."
tools/fuzz_api.sh "${FUZZ_SECONDS:-60}" 2>&1 | tail -n 25
