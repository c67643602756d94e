#!/usr/bin/env bash
# Sets up the machine, builds Stowage and runs the whole test suite (unit and integration).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build
swift test --no-parallel "$@"
