#!/usr/bin/env bash
# Sets up the machine, builds Stowage and runs the whole test suite (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
swift test --no-parallel "$@" 2>&1 | tee "$log" || status=$?
# One plain closing line with the Swift Testing totals (XCTest has no tests here and reports 0).
total=$(grep -oE 'Test run with [0-9]+ tests?' "$log" | grep -oE '[0-9]+' | tail -1 || true)
failed=$(grep -cE '^✘ Test .* failed' "$log" || true)
echo "tests: $(( ${total:-0} - failed )) passed, ${failed} failed"
exit "$status"
