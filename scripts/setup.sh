#!/usr/bin/env bash
# Installs what building and testing Stowage needs on Debian (run as root). Idempotent.
set -euo pipefail
packages=(liblmdb-dev libssl-dev pkg-config docker-registry skopeo apache2-utils python3 containerd)
# Prometheus scrapes Stowage in one test; only the binary is needed (no exporters). podman logs in
# and pulls (no containers are run: no network or runtime extras).
lean=(prometheus podman)
missing=() missing_lean=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
for p in "${lean[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing_lean+=("$p"); done
if [ ${#missing[@]} -gt 0 ] || [ ${#missing_lean[@]} -gt 0 ]; then
  apt-get update -qq
  # These are tools for the tests: their packaged services (docker-registry on :5000, prometheus on
  # :9090, on every interface) must not start. policy-rc.d tells the package scripts so.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    own_policy=true
  fi
  if [ ${#missing[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; fi
  if [ ${#missing_lean[@]} -gt 0 ]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing_lean[@]}" >/dev/null; fi
  if [ "$own_policy" = true ]; then rm -f /usr/sbin/policy-rc.d; fi
  if [ -d /run/systemd/system ]; then systemctl disable --now docker-registry prometheus >/dev/null 2>&1 || true; fi
fi
# The test harness signs registry tokens with Python's `cryptography`.
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography
