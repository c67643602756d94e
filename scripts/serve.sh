#!/usr/bin/env bash
# Sets up the machine, builds Stowage and serves on the embedded defaults
# (Configs/stowage.yaml, data in Storage/). Extra arguments go to `stowage serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release
exec .build/release/stowage serve "$@"
