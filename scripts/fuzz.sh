#!/usr/bin/env bash
# Builds the libFuzzer targets of the parsers of outside input with Swift's -sanitize=fuzzer,address
# and runs each for SECONDS (default 600) over its committed seed corpus (Tests/Fuzz/TARGET/corpus):
#   registry-input  digests, references, repository names, image references, Range headers,
#                   pagination, manifests and indexes, platforms, WWW-Authenticate challenges
#   archive-input   tar headers, PAX records, whole tar archives (air-gap bundles), htpasswd files
#   config-input    the YAML config file (Yams and libyaml built instrumented), durations, sizes
# New inputs go to .build-fuzz/TARGET/corpus, crashes to .build-fuzz/TARGET/crash-*; the exit status
# is non-zero when a target crashed. Needs the package's checkouts (swift build or swift package
# resolve) for Yams' sources.
#   bash scripts/fuzz.sh [SECONDS] [TARGET ...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(registry-input archive-input config-input)
out=.build-fuzz
flags=(-O -sanitize=fuzzer,address -parse-as-library)

build_yams() {
  # Yams and its C core (libyaml), instrumented, as objects and a module the config target imports.
  local yams=.build/checkouts/Yams/Sources modules=$out/modules
  [ -d "$yams" ] || swift package resolve >/dev/null
  [ -f "$modules/Yams.o" ] && return
  mkdir -p "$modules"
  for source in "$yams"/CYaml/src/*.c; do
    clang -O1 -fsanitize=fuzzer-no-link,address -DYAML_DECLARE_STATIC -I"$yams/CYaml/include" -c "$source" \
      -o "$modules/cyaml-$(basename "$source" .c).o"
  done
  swiftc "${flags[@]}" -module-name Yams -wmo -D SWIFT_PACKAGE -Xcc -DYAML_DECLARE_STATIC -I "$yams/CYaml/include" \
    -emit-module -emit-module-path "$modules/Yams.swiftmodule" -c "$yams"/Yams/*.swift -o "$modules/Yams.o"
}

build() {
  local target=$1 binary=$out/$1/fuzzer
  mkdir -p "$out/$target/corpus"
  case $target in
    registry-input)
      swiftc "${flags[@]}" -module-name RegistryInputFuzzer Sources/OCI/*.swift \
        Sources/Upstream/Auth/AuthChallenge.swift Sources/Upstream/Auth/ChallengeScanner.swift \
        Tests/Fuzz/registry-input/*.swift -o "$binary" ;;
    archive-input)
      swiftc "${flags[@]}" -module-name ArchiveInputFuzzer Sources/OCILayout/Tar*.swift Sources/OCILayout/PAXRecords.swift \
        Sources/Access/Htpasswd*.swift Tests/Fuzz/archive-input/*.swift -o "$binary" ;;
    config-input)
      build_yams
      swiftc "${flags[@]}" -module-name ConfigInputFuzzer -I "$out/modules" -I .build/checkouts/Yams/Sources/CYaml/include \
        Sources/StowageConfig/{ConfigFile,ConfigFile+Paths,ConfigError,ConfigLoader,DurationText,ByteSizeText}.swift \
        Tests/Fuzz/config-input/*.swift "$out"/modules/*.o -o "$binary" ;;
    *) echo "fuzz.sh: no target $target (registry-input, archive-input, config-input)" >&2; exit 2 ;;
  esac
}

status=0
for target in "${targets[@]}"; do
  build "$target"
  echo "== $target: ${seconds} s"
  "$out/$target/fuzzer" -max_total_time="$seconds" -timeout=5 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$out/$target/" "$out/$target/corpus" "Tests/Fuzz/$target/corpus" 2>&1 || status=$?
done
exit "$status"
