#!/usr/bin/env bash
# Builds the libFuzzer target of the parsers of outside input (Tests/Fuzz: digests, references,
# repository names, image references, Range headers, pagination, manifests and indexes, platforms,
# WWW-Authenticate challenges) with Swift's -sanitize=fuzzer,address, and runs it for SECONDS
# (default 600) over the committed seed corpus. New inputs go to .build-fuzz/corpus, crashes to
# .build-fuzz/crash-*; the exit status is libFuzzer's (non-zero on a crash).
#   bash scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
out=.build-fuzz
mkdir -p "$out/corpus"
swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name RegistryInputFuzzer \
  Sources/OCI/*.swift Sources/Upstream/Auth/AuthChallenge.swift Sources/Upstream/Auth/ChallengeScanner.swift \
  Tests/Fuzz/RegistryInputFuzzer.swift -o "$out/registry-input-fuzzer"
"$out/registry-input-fuzzer" -max_total_time="$seconds" -timeout=5 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus" Tests/Fuzz/corpus
