#!/usr/bin/env bash
# Installs what building and testing Stowage needs on Debian (run as root). Idempotent.
set -euo pipefail
packages=(liblmdb-dev libssl-dev pkg-config docker-registry skopeo apache2-utils python3 containerd)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The test harness signs registry tokens with Python's `cryptography`.
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography
