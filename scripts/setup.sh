#!/usr/bin/env bash
# Install what fallback-scan needs to build and test on Debian 12.
# Idempotent: when every package is present it only checks (dpkg) and exits.
set -euo pipefail

PKGS=(
    build-essential cmake pkg-config git clang-format
    libvectorscan-dev libpcre2-dev libjansson-dev libyaml-dev libssl-dev
    libgit2-dev libcurl4-openssl-dev libexpat1-dev libsqlite3-dev libcmocka-dev
    python3 python3-jsonschema python3-yaml ripgrep
)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
