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
# A short run of each fuzz target over the parsers of outside input (scripts/fuzz.sh runs them longer).
fuzz=0
if [ $# -eq 0 ]; then
  bash scripts/fuzz.sh "${STOWAGE_FUZZ_SECONDS:-20}" > "$log.fuzz" 2>&1 || fuzz=$?
  grep -E '^== |^Done |==ERROR|deadly signal' "$log.fuzz" || true
  if [ "$fuzz" -ne 0 ]; then tail -40 "$log.fuzz"; status=1; fi
  rm -f "$log.fuzz"
fi
# One plain closing line with the Swift Testing totals (XCTest has no tests here and reports 0).
total=$(grep -oE 'Test run with [0-9]+ tests?' "$log" | grep -oE '[0-9]+' | tail -1 || true)
failed=$(grep -cE '^✘ Test .* failed' "$log" || true)
echo "tests: $(( ${total:-0} - failed )) passed, ${failed} failed; fuzzing: $([ "$fuzz" -eq 0 ] && echo "no crash" || echo "FAILED (status $fuzz)")"
exit "$status"
